"""Unit x group (x question) cells as result rows, and hiding what too few people stand behind."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

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
    cells = CellValues(stats, suppressed, design)
    return [
        cells.result((i, g), unit.code, group.code, question)
        for i, unit in enumerate(axes.units)
        for g, group in enumerate(axes.groups)
        if cells.answered(i, g)
    ]


def question_cell_results(
    axes: Axes, stats: CellStatistics | None, suppressed: NDArray[np.bool_] | None
) -> list[CellResult]:
    """The answered unit x group x question cells."""
    if stats is None:
        return []
    cells = CellValues(stats, suppressed)
    return [
        cells.result((i, g, q), unit.code, group.code, question)
        for i, unit in enumerate(axes.units)
        for g, group in enumerate(axes.groups)
        for q, question in enumerate(axes.questions)
        if cells.answered(i, g, q)
    ]


class CellValues:
    """A cell's statistics as Python numbers, read from arrays converted once per call.

    Reading numpy scalars cell by cell, field by field, cost more than the statistics.
    """

    _FIELDS = (
        "mean",
        "se",
        "ci_low",
        "ci_high",
        "rate",
        "rate_ci_low",
        "rate_ci_high",
        "rate_se",
        "trimmed_mean",
    )

    def __init__(
        self,
        stats: CellStatistics,
        suppressed: NDArray[np.bool_] | None,
        design: DesignCells | None = None,
    ) -> None:
        self._weighted = stats.weighted
        arrays: dict[str, Float] = {name: getattr(stats, name) for name in self._FIELDS}
        self._estimator = design.estimator if design is not None else None
        if design is not None:
            arrays["design_effect"] = design.design_effect
        if stats.weighted:
            arrays["n_eff"] = np.asarray(stats.n_eff)
        # NaN and infinities become None here, once for every cell.
        self._values = {
            name: np.where(np.isfinite(a), a, np.array(None)).tolist() for name, a in arrays.items()
        }
        self._n_valid = np.asarray(stats.n_valid).astype(np.int64).tolist()
        self._n_dont_know = np.asarray(stats.n_dont_know).astype(np.int64).tolist()
        self._hidden = None if suppressed is None else np.asarray(suppressed).tolist()

    @staticmethod
    def _at(nested: list[Any], at: tuple[int, ...]) -> Any:
        for k in at:
            nested = nested[k]
        return nested

    def answered(self, *at: int) -> bool:
        return bool(self._at(self._n_valid, at) + self._at(self._n_dont_know, at) > 0)

    def result(
        self, at: tuple[int, ...], unit: str, group: str, question: str | None
    ) -> CellResult:
        hidden = bool(self._at(self._hidden, at)) if self._hidden is not None else False
        values = {
            name: None if hidden else self._at(nested, at) for name, nested in self._values.items()
        }
        return CellResult(
            unit=unit,
            group=group,
            question=question,
            n_valid=self._at(self._n_valid, at),
            n_dont_know=self._at(self._n_dont_know, at),
            n_eff=values["n_eff"] if self._weighted else None,
            mean=values["mean"],
            se=values["se"],
            ci_low=values["ci_low"],
            ci_high=values["ci_high"],
            satisfied_rate=values["rate"],
            rate_ci_low=values["rate_ci_low"],
            rate_ci_high=values["rate_ci_high"],
            rate_se=values["rate_se"],
            trimmed_mean=values["trimmed_mean"],
            design_effect=values.get("design_effect"),
            estimator=self._at(self._estimator, at) if self._estimator is not None else "model",
            weighted=self._weighted,
            suppressed=hidden,
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
