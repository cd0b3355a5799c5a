"""Unit x group (x question) cells as result rows, and hiding what too few people stand behind."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from scoring import CellStatistics
from survey.satisfaction.sample_design import DesignCells
from survey.satisfaction.schemas import CellResult, UnitResult
from survey.satisfaction.tables import Axes

Float = NDArray[np.float64]


def cell_results(
    axes: Axes,
    stats: CellStatistics | None,
    suppressed: NDArray[np.bool_] | None,
    question: str | None,
    design: DesignCells | None = None,
) -> list[CellResult]:
    """The answered unit x group cells; ``suppressed`` marks those whose numbers are hidden;
    ``design``: the design effects and estimators of an evaluation with a sample design."""
    if stats is None:
        return []
    return _cells(stats, suppressed, axes, [question], design)


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
    design: DesignCells | None = None,
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
    if design is not None:
        effect = np.asarray(design.design_effect, dtype=float)[answered]
        columns["design_effect"] = np.where(
            np.isfinite(effect) & ~hidden, effect, np.array(None)
        ).tolist()
        columns["estimator"] = np.array(design.estimator, dtype=object)[answered].tolist()
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
        result.n_eff = result.design_effect = None
        result.rank = None
        result.rank_interval = None
        result.tied_with_next = None
        result.p_beats_next = None


def add_unit_design_effects(
    results: list[UnitResult], axes: Axes, stats: CellStatistics | None
) -> None:
    """Each scored unit's design effect, its score's variance over the variance the same
    groups would give as simple random samples of their sizes (``sum w_g^2 sd_g^2 / n_g``),
    and its effective sample size, the used groups' answers over that effect."""
    if stats is None:
        return
    where = {unit.code: i for i, unit in enumerate(axes.units)}
    group_ix = {group.code: g for g, group in enumerate(axes.groups)}
    sd = np.asarray(stats.sd)
    n_valid = np.asarray(stats.n_valid)
    for result in results:
        if result.se is None or not result.groups_used:
            continue
        i = where[result.unit]
        srs = 0.0
        for used in result.groups_used:
            g = group_ix[used.group]
            srs += used.weight**2 * float(sd[i, g]) ** 2 / float(n_valid[i, g])
        if srs > 0 and math.isfinite(srs):
            result.design_effect = result.se**2 / srs
            if result.design_effect > 0:
                result.n_eff = sum(u.n_valid for u in result.groups_used) / result.design_effect
