"""Blocks with derived weights (entropy, AHP) or scored by TOPSIS: their checks and their values.

A block's ``weighting`` derives its children's weights instead of taking them from the
scheme; its ``topsis`` makes its indicators the criteria of one TOPSIS closeness, which
becomes the block's score (closeness x the block's full points). The scheme check calls
``check_block_methods``; the tree builder calls the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring import (
    CONSISTENCY_LIMIT,
    RECIPROCAL_TOLERANCE,
    AhpWeights,
    EntropyWeights,
    ahp_weights,
    entropy_weights,
    growth_rate,
)
from survey.composite.schemas import (
    BlockSpec,
    HardSource,
    IndicatorSpec,
    QualitativeSource,
    RectificationSource,
    SatisfactionSource,
    SchemeSpec,
    WeightingSpec,
)
from survey.composite.scheme_methods import period_plan
from survey.composite.scheme_parse import Float, Loc, _Problems
from survey.errors import N_

_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*$")
_CRITERION_SOURCES = ("hard", "satisfaction", "qualitative", "rectification_rate")


def comparison_entry(raw: float | str) -> float | None:
    """A comparison as a number: ``3``, ``0.5`` or the fraction ``"1/3"``; None when it is
    not a positive finite number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        match = _FRACTION.match(raw)
        if match is None:
            return None
        value = float(match.group(1))
        if match.group(2) is not None:
            divisor = float(match.group(2))
            if divisor == 0:
                return None
            value /= divisor
    return value if math.isfinite(value) and value > 0 else None


def children_codes(block: BlockSpec) -> list[str]:
    """The children a weighting weighs, in the order of the comparison matrix."""
    return [c.code for c in block.indicators] + [b.code for b in block.blocks]


def _entry_text(raw: float | str) -> str:
    return f"{raw:g}" if isinstance(raw, float) else str(raw)


def _check_matrix(
    problems: _Problems, loc: Loc, weighting: WeightingSpec, count: int
) -> AhpWeights | None:
    """Every fault of an AHP matrix; its weights when it has none (and is consistent)."""
    where: Loc = (*loc, "matrix")
    matrix = weighting.matrix
    if matrix is None:
        problems.add(
            where,
            N_(
                "Line %(line)s, %(field)s: AHP needs a comparison matrix of the %(count)s children."
            ),
            count=count,
        )
        return None
    if len(matrix) != count:
        problems.add(
            where,
            N_(
                "Line %(line)s, %(field)s: the comparison matrix has %(rows)s rows, but the "
                "block has %(count)s children (indicators first, then blocks)."
            ),
            rows=len(matrix),
            count=count,
        )
        return None
    values = np.ones((count, count))
    faults = len(problems.items)
    for i, row in enumerate(matrix):
        if len(row) != count:
            problems.add(
                (*where, i),
                N_("Line %(line)s, %(field)s: the row has %(columns)s entries, not %(count)s."),
                columns=len(row),
                count=count,
            )
            continue
        for j, raw in enumerate(row):
            value = comparison_entry(raw)
            if value is None:
                problems.add(
                    (*where, i, j),
                    N_(
                        "Line %(line)s, %(field)s: %(value)s is not a positive number or a "
                        "fraction such as 3 or 1/3."
                    ),
                    value=_entry_text(raw),
                )
                continue
            values[i, j] = value
    if len(problems.items) > faults:
        return None
    for i in range(count):
        if abs(values[i, i] - 1.0) > 1e-12:
            problems.add(
                (*where, i, i),
                N_("Line %(line)s, %(field)s: a child compared with itself is 1, not %(value)s."),
                value=f"{values[i, i]:g}",
            )
        for j in range(i + 1, count):
            if abs(values[i, j] * values[j, i] - 1.0) > RECIPROCAL_TOLERANCE + 1e-12:
                problems.add(
                    (*where, j, i),
                    N_(
                        "Line %(line)s, %(field)s: %(value)s is not the reciprocal of its "
                        "mirror entry %(mirror)s (row %(row)s, column %(column)s); their "
                        "product must be 1."
                    ),
                    value=_entry_text(matrix[j][i]),
                    mirror=_entry_text(matrix[i][j]),
                    row=i + 1,
                    column=j + 1,
                )
    if len(problems.items) > faults:
        return None
    result = ahp_weights(values)
    if not result.consistent:
        problems.add(
            where,
            N_(
                "Line %(line)s, %(field)s: the comparisons are not consistent enough: the "
                "consistency ratio CR = %(cr)s is above %(limit)s (λmax = %(lambda_max)s, "
                "CI = %(ci)s, RI = %(ri)s); revise the comparisons."
            ),
            cr=f"{result.consistency_ratio:.3f}",
            limit=f"{CONSISTENCY_LIMIT:g}",
            lambda_max=f"{result.lambda_max:.4f}",
            ci=f"{result.consistency_index:.4f}",
            ri=f"{result.random_index:g}",
        )
        return None
    return result


def check_block_methods(problems: _Problems, loc: Loc, block: BlockSpec, spec: SchemeSpec) -> None:
    """The rules of ``weighting`` and ``topsis`` on one block."""
    weighting = block.weighting
    count = len(block.indicators) + len(block.blocks)
    if weighting is not None:
        weighted: list[tuple[Loc, float | None]] = [
            ((*loc, "indicators", k, "weight"), c.weight) for k, c in enumerate(block.indicators)
        ] + [((*loc, "blocks", k, "weight"), c.weight) for k, c in enumerate(block.blocks)]
        for where, weight in weighted:
            if weight is not None:
                problems.add(
                    where,
                    N_(
                        "Line %(line)s, %(field)s: the block derives its children's "
                        "weights (weighting); give no weight here."
                    ),
                )
        if weighting.method == "entropy":
            if weighting.matrix is not None:
                problems.add(
                    (*loc, "weighting", "matrix"),
                    N_("Line %(line)s, %(field)s: only AHP takes a comparison matrix."),
                )
            for k, ind in enumerate(block.indicators):
                if ind.source is not None and ind.source.type == "excellence":
                    problems.add(
                        (*loc, "indicators", k, "source"),
                        N_(
                            "Line %(line)s, %(field)s: entropy weights cannot weigh excellence "
                            "goals, whose points carry a difficulty coefficient."
                        ),
                    )
            if block.blocks:
                problems.add(
                    (*loc, "weighting"),
                    N_(
                        "Line %(line)s, %(field)s: entropy weights come from the values of "
                        "indicators; a block with sub-blocks cannot use them."
                    ),
                )
        elif count:
            _check_matrix(problems, (*loc, "weighting"), weighting, count)
    if block.topsis is None:
        return
    if block.blocks:
        problems.add(
            (*loc, "topsis"),
            N_(
                "Line %(line)s, %(field)s: a TOPSIS block compares indicators only; it cannot "
                "hold sub-blocks."
            ),
        )
    for k, ind in enumerate(block.indicators):
        _check_criterion(problems, (*loc, "indicators", k), ind, spec)
    if weighting is None and any(ind.weight is None for ind in block.indicators):
        problems.add(
            (*loc, "topsis"),
            N_(
                "Line %(line)s, %(field)s: give every criterion a weight (adding up to 1), or "
                "derive the weights with weighting."
            ),
        )


def _check_criterion(problems: _Problems, loc: Loc, ind: IndicatorSpec, spec: SchemeSpec) -> None:
    if ind.method is not None or ind.parts is not None or ind.params:
        problems.add(
            (*loc, "method"),
            N_(
                "Line %(line)s, %(field)s: a TOPSIS criterion is compared by its value; it "
                "takes no method, parameters or parts."
            ),
        )
    source = ind.source
    if source is None or source.type not in _CRITERION_SOURCES:
        problems.add(
            (*loc, "source"),
            N_(
                "Line %(line)s, %(field)s: a TOPSIS criterion needs a hard, satisfaction, "
                "qualitative or rectification-rate source."
            ),
        )
        return
    if isinstance(source, HardSource):
        plan = period_plan(source, spec)
        if source.monthly is not None or plan is None or len(plan.codes) != 1:
            problems.add(
                (*loc, "source", "period"),
                N_(
                    "Line %(line)s, %(field)s: a TOPSIS criterion takes the value of one "
                    "period (give period, or default periods with one code)."
                ),
            )


# Values ----------------------------------------------------------------------------------------


def comparison_values(weighting: WeightingSpec) -> Float:
    """The checked scheme's AHP matrix as numbers."""
    assert weighting.matrix is not None
    rows = [[comparison_entry(raw) for raw in row] for row in weighting.matrix]
    return np.array([[math.nan if v is None else v for v in row] for row in rows])


def criterion_values(data: Any, ind: IndicatorSpec, spec: SchemeSpec) -> tuple[Float, Any]:
    """The value of each unit on a TOPSIS criterion and the description of its source."""
    source = ind.source
    if isinstance(source, HardSource):
        plan = period_plan(source, spec)
        assert plan is not None
        period = plan.codes[0]
        value, _target, _benchmark = data.hard(source.indicator, period)
        if source.growth:
            previous = data.previous(source.indicator, period)
            rate = growth_rate(value, previous, rule=source.growth_rule, warn=False)
            value = np.asarray(rate.rate, dtype=np.float64)
        values = np.asarray(value, dtype=np.float64)

        def note(i: int) -> dict[str, Any]:
            return {
                "type": "hard",
                "indicator": source.indicator,
                "period": period,
                "value": float(values[i]),
            }

        return values, note
    if isinstance(source, SatisfactionSource):
        values, _se, notes = data.satisfaction(source)
        return np.asarray(values, dtype=np.float64), notes
    assert source is not None
    if isinstance(source, QualitativeSource):
        values, notes = data.qualitative(source.item)
    else:
        assert isinstance(source, RectificationSource)
        values, notes = data.rectification(source.measure)
    return np.asarray(values, dtype=np.float64), notes


@dataclass(frozen=True)
class DerivedWeights:
    """Children's weights derived by a block's weighting, with how they were obtained."""

    weights: Float
    entropy: EntropyWeights | None = None
    ahp: AhpWeights | None = None

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.weights).all())

    def note(self, codes: Sequence[str]) -> dict[str, Any]:
        """The weighting as an explanation shows it."""
        out: dict[str, Any] = {
            "type": "weighting",
            "method": "entropy" if self.entropy is not None else "ahp",
            "weights": [
                {"code": code, "weight": float(w)}
                for code, w in zip(codes, self.weights, strict=True)
            ],
        }
        if self.entropy is not None:
            out["units_used"] = self.entropy.units_used
            out["entropy"] = [float(e) for e in self.entropy.entropy]
        if self.ahp is not None:
            out.update(
                lambda_max=self.ahp.lambda_max,
                consistency_index=self.ahp.consistency_index,
                random_index=self.ahp.random_index,
                consistency_ratio=self.ahp.consistency_ratio,
            )
        return out


def derive_weights(
    weighting: WeightingSpec, values: Float | None, directions: Sequence[str]
) -> DerivedWeights:
    """Weights by the block's weighting: AHP from its matrix, entropy from ``values``
    (shape (U, K): the criteria's values, or the indicators' shares of their full points)."""
    if weighting.method == "ahp":
        ahp = ahp_weights(comparison_values(weighting))
        return DerivedWeights(np.asarray(ahp.weights, dtype=np.float64), ahp=ahp)
    assert values is not None
    entropy = entropy_weights(values, list(directions), warn=False)
    return DerivedWeights(np.asarray(entropy.weights, dtype=np.float64), entropy=entropy)
