"""Unit x group (x question) cells as result rows, and hiding what too few people stand behind."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from scoring import CellStatistics
from survey.satisfaction.schemas import CellResult, UnitResult
from survey.satisfaction.tables import Axes

Float = NDArray[np.float64]


def cell_results(
    axes: Axes,
    stats: CellStatistics | None,
    suppressed: NDArray[np.bool_] | None,
    question: str | None,
) -> list[CellResult]:
    """The answered unit x group cells; ``suppressed`` marks those whose numbers are hidden."""
    if stats is None:
        return []
    return _cells(stats, suppressed, axes, [question])


def question_cell_results(
    axes: Axes, stats: CellStatistics | None, suppressed: NDArray[np.bool_] | None
) -> list[CellResult]:
    """The answered unit x group x question cells."""
    if stats is None:
        return []
    return _cells(stats, suppressed, axes, list(axes.questions))


_FIELDS = {
    "mean": "mean",
    "se": "se",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "satisfied_rate": "rate",
    "rate_ci_low": "rate_ci_low",
    "rate_ci_high": "rate_ci_high",
    "rate_se": "rate_se",
    "trimmed_mean": "trimmed_mean",
}
_ROWS: TypeAdapter[list[CellResult]] = TypeAdapter(list[CellResult])


def _cells(
    stats: CellStatistics,
    suppressed: NDArray[np.bool_] | None,
    axes: Axes,
    questions: list[str | None],
) -> list[CellResult]:
    """Rows of the answered cells, in unit, group (, question) order.

    Column by column over the answered cells, then validated as one list: at city scale
    (14,000 cells) building each row from numpy scalars cost more than the statistics.
    """
    n_valid = np.asarray(stats.n_valid)
    n_dont_know = np.asarray(stats.n_dont_know)
    answered = n_valid + n_dont_know > 0
    at = np.nonzero(answered)
    hidden = (
        np.zeros(int(answered.sum()), dtype=np.bool_)
        if suppressed is None
        else np.asarray(suppressed)[answered]
    )
    columns: dict[str, list[Any]] = {
        "unit": np.array([u.code for u in axes.units], dtype=object)[at[0]].tolist(),
        "group": np.array([g.code for g in axes.groups], dtype=object)[at[1]].tolist(),
        "question": (
            np.array(questions, dtype=object)[at[2]].tolist()
            if len(at) > 2
            else [questions[0]] * len(hidden)
        ),
        "n_valid": n_valid[answered].astype(np.int64).tolist(),
        "n_dont_know": n_dont_know[answered].astype(np.int64).tolist(),
    }
    fields = dict(_FIELDS)
    if stats.weighted:
        fields["n_eff"] = "n_eff"
    for name, attribute in fields.items():
        values = np.asarray(getattr(stats, attribute))[answered]
        # NaN and infinities become None, and so does every number of a hidden cell.
        columns[name] = np.where(np.isfinite(values) & ~hidden, values, np.array(None)).tolist()
    if not stats.weighted:
        columns["n_eff"] = [None] * len(hidden)
    columns["weighted"] = [stats.weighted] * len(hidden)
    columns["suppressed"] = hidden.tolist()
    names = list(columns)
    return _ROWS.validate_python(
        [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    )


def suppress_unit(result: UnitResult, threshold: int) -> None:
    """A unit's score rests on its used groups; too few people behind it, and it is hidden."""
    behind = sum(g.n_valid for g in result.groups_used)
    if result.score is not None and behind < threshold:
        result.suppressed = True
        result.score = result.se = result.ci_low = result.ci_high = None
        result.satisfied_rate = result.rate_se = result.rate_n_eff = None
        result.rate_ci_low = result.rate_ci_high = None
        result.rank = None
        result.rank_interval = None
        result.tied_with_next = None
        result.p_beats_next = None
