"""One category's inputs as the scheme builder reads them: values, satisfaction, bonuses."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from scoring import Reason, combine_groups, combine_rates, excellence_score
from survey.composite import describe
from survey.composite import scheme as schemes
from survey.composite.evaluation_data import Inputs
from survey.composite.json_values import finite_or_none
from survey.composite.schemas import SatisfactionSource
from survey.models import Unit, UnitCategory
from survey.satisfaction.scores import GroupCell, UnitScore

Float = NDArray[np.float64]
Note = schemes.Annotation
NAN = math.nan
RATE_POINTS = 100.0


class CategoryData:
    """``scheme.SchemeData`` for the units of one category."""

    def __init__(
        self,
        session: Session,
        inputs: Inputs,
        category: UnitCategory,
        members: list[Unit],
        notes: list[Reason],
    ) -> None:
        self.session = session
        self.inputs = inputs
        self.category = category
        self.members = members
        self.notes = notes
        self._pos = np.array([inputs.positions[u.id] for u in members if u.id is not None])
        self._codes = [u.code for u in members]

    @property
    def units(self) -> Sequence[str]:
        return self._codes

    def hard(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        value, target, bench = self.inputs.hard.get(indicator, period)
        return value[self._pos], target[self._pos], bench[self._pos]

    def previous(self, indicator: str, period: str) -> Float:
        values = self.inputs.previous.get(indicator, period)[0]
        return np.asarray(values[self._pos], dtype=np.float64)

    def satisfaction(self, source: SatisfactionSource) -> tuple[Float, Float, Note]:
        size = len(self.members)
        score = np.full(size, NAN)
        se = np.full(size, NAN)
        # What each unit's note will say, kept as it is until an explanation asks for it.
        found: list[UnitScore | list[dict[str, Any]] | None] = [None] * size
        index = self.inputs.satisfaction(self.session, source.period, source.question)
        if index is not None:
            weights = index.weights.get(self.category.code, {})
            chosen = list(source.groups) or [g for g, w in weights.items() if w > 0]
            for i, unit in enumerate(self._codes):
                result = index.by_unit.get(unit)
                if result is None:
                    continue
                if not source.groups:
                    # The satisfaction results' own numbers: the score, or the combined rate
                    # in points with its design-based error.
                    if source.measure == "score":
                        value, error = result.score, result.se
                    else:
                        value, error = _points(result.satisfied_rate), _points(result.rate_se)
                    score[i] = NAN if value is None else value
                    se[i] = NAN if error is None else error
                    found[i] = result
                    continue
                value, error, used = _recombine(
                    index.cells(unit), chosen, weights, source.measure, index.min_n
                )
                score[i], se[i] = value, error
                found[i] = used
        measured_se = se.copy()
        if not source.sampling_error:
            se = np.full(size, NAN)
        se = np.where(np.isnan(score), NAN, np.nan_to_num(se))

        def note(i: int) -> dict[str, Any]:
            out: dict[str, Any] = {"type": "satisfaction", "measure": source.measure}
            entry = found[i]
            if entry is None:
                return {**out, "groups_used": [], "reason": "no satisfaction answers"}
            if isinstance(entry, UnitScore):
                return {
                    **out,
                    "score": finite_or_none(score[i]),
                    "se": finite_or_none(measured_se[i]),
                    "n_valid": entry.n_valid,
                    "groups_used": [dict(g) for g in entry.groups_used],
                    "groups_dropped": [dict(g) for g in entry.groups_dropped],
                }
            return {
                **out,
                "score": finite_or_none(score[i]),
                "se": finite_or_none(se[i]),
                "groups_used": entry,
            }

        return score, se, note

    def qualitative(self, item: str) -> tuple[Float, Note]:
        scores = self.inputs.qualitative.get(item, {})
        values = np.full(len(self.members), NAN)
        notes: list[dict[str, Any]] = []
        for i, unit in enumerate(self.members):
            found = scores.get(unit.id) if unit.id is not None else None
            if found is None:
                notes.append({"type": "qualitative", "item": item, "score": NAN, "lead": None})
                continue
            values[i] = found[0]
            notes.append(
                {
                    "type": "qualitative",
                    "item": item,
                    "score": found[0],
                    "lead": self.inputs.unit_codes.get(found[1]),
                }
            )
        return values, notes.__getitem__

    def rectification(self, measure: str) -> tuple[Float, Note]:
        rates = self.inputs.rectification(self.session)
        values = np.full(len(self.members), NAN)
        notes: list[dict[str, Any]] = []
        for i, unit in enumerate(self.members):
            found = rates.get(unit.id or -1)
            share = None
            if found is not None:
                share = found.rate if measure == "rectified" else found.on_time_rate
            if share is not None:
                values[i] = 100.0 * share
            notes.append(
                {
                    "type": "rectification_rate",
                    "measure": measure,
                    "rate": finite_or_none(values[i]),
                    "routed": found.routed if found else 0,
                    "upheld": found.upheld if found else 0,
                    "rectified": found.rectified if found else 0,
                    "on_time": found.on_time if found else 0,
                }
            )
        return values, notes.__getitem__

    def excellence(self, bounds: tuple[float, float]) -> tuple[Float, Float, Note]:
        size = len(self.members)
        score = np.full(size, NAN)
        coefficient = np.full(size, NAN)
        notes: list[dict[str, Any]] = []
        low, high = bounds
        for i, unit in enumerate(self.members):
            goals = self.inputs.excellence.get(unit.id or -1, [])
            entries = []
            for goal in goals:
                difficulty = min(max(goal.difficulty, low), high)
                if difficulty != goal.difficulty:
                    self.notes.append(
                        Reason(
                            "difficulty_clipped",
                            unit=unit.code,
                            goal=goal.code,
                            difficulty=goal.difficulty,
                            low=low,
                            high=high,
                        )
                    )
                entries.append(
                    {
                        "code": goal.code,
                        "title": goal.title,
                        "difficulty": difficulty,
                        "dimensions": dict(goal.dimensions),
                        "score": goal.score,
                    }
                )
            if entries:
                found = excellence_score(
                    np.array([e["score"] for e in entries], dtype=np.float64),
                    np.array([e["difficulty"] for e in entries], dtype=np.float64),
                )
                score[i], coefficient[i] = found.score, found.difficulty
            notes.append(
                {
                    "type": "excellence",
                    "goals": entries,
                    "score": finite_or_none(score[i]),
                    "difficulty": finite_or_none(coefficient[i]),
                    "rule": str(describe.EXCELLENCE_RULE),
                }
            )
        return score, coefficient, notes.__getitem__

    def adjustments(self, items: Sequence[str]) -> tuple[Float, list[list[dict[str, Any]]]]:
        column = {code: k for k, code in enumerate(items)}
        values = np.zeros((len(self.members), len(items)))
        entries: list[list[dict[str, Any]]] = []
        for i, unit in enumerate(self.members):
            listed = []
            for entry in self.inputs.adjustments.get(unit.id or -1, []):
                k = column.get(entry.item)
                if k is None:
                    self.notes.append(
                        Reason(
                            "item_not_in_scheme",
                            unit=unit.code,
                            entry=entry.id or 0,
                            item=entry.item,
                        )
                    )
                    continue
                values[i, k] += entry.points
                listed.append(
                    {
                        "id": entry.id,
                        "item": entry.item,
                        "points": entry.points,
                        "reason": entry.reason,
                        "approved_by": entry.approved_by,
                        "created_by": entry.created_by,
                    }
                )
            entries.append(listed)
        return values, entries

    def penalty(self) -> tuple[Float, float, list[dict[str, Any]]]:
        values = np.zeros(len(self.members))
        reasons: list[dict[str, Any]] = []
        for i, unit in enumerate(self.members):
            found = self.inputs.penalties.get(unit.id or -1)
            if found is not None:
                values[i] = -found.total
            reasons.append({"checks": found.details if found else []})
        return values, self.inputs.lowest_penalty, reasons


def _recombine(
    cells: Mapping[str, GroupCell],
    chosen: Sequence[str],
    weights: Mapping[str, float],
    measure: str,
    min_n: int,
) -> tuple[float, float, list[dict[str, Any]]]:
    """A unit's satisfaction from some of its groups, with the category's weights."""
    groups = [g for g in chosen if weights.get(g, 0.0) > 0]
    if not groups:
        return NAN, NAN, []
    found = [cells.get(g) for g in groups]
    n = np.array([0.0 if cell is None else float(cell.n_valid) for cell in found])
    group_weights = np.array([weights[g] for g in groups])
    if measure != "score":
        # The same combination as the satisfaction results' rate, on the chosen groups.
        rates = combine_rates(
            [[_or_nan(None if cell is None else cell.satisfied_rate) for cell in found]],
            [[_or_nan(None if cell is None else cell.rate_se) for cell in found]],
            [n],
            [[0.0 if cell is None else cell.n_eff for cell in found]],
            group_weights,
            min_n=min_n,
        )
        used = [
            {"group": g, "weight": float(rates.weights[0, k])}
            for k, g in enumerate(groups)
            if rates.used[0, k]
        ]
        return _points(float(rates.rate[0])), _points(float(rates.se[0])), used
    mean = np.array([_or_nan(None if cell is None else cell.mean) for cell in found])
    se = np.array([_or_nan(None if cell is None else cell.se) for cell in found])
    combined = combine_groups(
        mean,
        np.nan_to_num(se),
        n,
        group_weights,
        group_labels=groups,
        min_n=min_n,
        warn=False,
    )
    used = [
        {"group": g, "weight": float(w)}
        for g, w in zip(combined.groups_used, combined.weights_used, strict=True)
    ]
    return float(combined.score), float(combined.se), used


def _points(share: float | None) -> float:
    """A share in [0, 1] as points (0-100), the scale every satisfaction leaf reads."""
    return NAN if share is None else RATE_POINTS * share


def _or_nan(value: float | None) -> float:
    return NAN if value is None else value
