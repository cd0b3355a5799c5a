"""Improvement simulator for one unit: what each input buys and the least change to a better grade.

The levers are the inputs the unit's scheme reads: each hard indicator, each satisfaction
source (overall score or an aspect question, rate or score, some or all groups), each
qualitative item and the rectification rate. Every simulated value runs the category's real
composite again (``scheme.build_tree`` over the category's data with that one value changed,
``scoring.evaluate_scheme``, the scheme's rounding, tie-breaks and grade quotas), so methods
that normalise over the category (min-max, z-score, rank points, TOPSIS, entropy weights) move
as they would; ``scoring.lever_effect`` does the search. The computation uses the current
schemes and data, also for a published evaluation (whose published figures stay frozen).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from scoring import Lever, LeverEffect, evaluate_scheme, lever_effect
from survey import organisation as org
from survey.composite import ranking
from survey.composite import scheme as schemes
from survey.composite.category_data import CategoryData
from survey.composite.collector import collector_paused
from survey.composite.differentiation import check_differentiation
from survey.composite.evaluation_data import load_inputs
from survey.composite.improvement_schemas import LeverPublic, UnitImprovement
from survey.composite.json_values import finite_or_none
from survey.composite.schemas import (
    BlockSpec,
    HardSource,
    IndicatorSpec,
    QualitativeSource,
    RectificationSource,
    SatisfactionSource,
    SchemeSpec,
)
from survey.composite.scheme_methods import period_plan
from survey.composite.scheme_tree import Annotation
from survey.errors import N_, NotFound
from survey.models import Unit, UnitCategory

Float = np.ndarray[Any, np.dtype[np.float64]]
SATISFACTION_POINTS = 100.0


@dataclass(frozen=True)
class _Input:
    """One lever of the unit: what it is, where the scheme reads it, how it may move."""

    key: str
    kind: str
    code: str
    name: str
    name_en: str
    period: str | None
    direction: str
    low: float
    high: float
    source: Any


def _satisfaction_key(source: SatisfactionSource) -> str:
    groups = ",".join(source.groups)
    return f"satisfaction:{source.measure}:{source.period or ''}:{source.question or ''}:{groups}"


def _indicators(block: SchemeSpec | BlockSpec) -> Iterator[IndicatorSpec]:
    yield from block.indicators
    for child in block.blocks:
        yield from _indicators(child)


def _display_period(source: HardSource, spec: SchemeSpec) -> str | None:
    if source.monthly is not None:
        return source.monthly.months[-1]
    plan = period_plan(source, spec)
    return plan.codes[-1] if plan is not None else None


def levers_of(spec: SchemeSpec) -> list[_Input]:
    """The inputs the scheme reads, each once, in the scheme's order."""
    found: dict[str, _Input] = {}

    def add(item: _Input) -> None:
        found.setdefault(item.key, item)

    for ind in _indicators(spec):
        sources: list[tuple[Any, str]] = []
        if ind.parts:
            sources = [(p.source, p.direction or ind.direction) for p in ind.parts.values()]
        elif ind.source is not None:
            sources = [(ind.source, ind.direction)]
        for source, direction in sources:
            if isinstance(source, HardSource):
                add(
                    _Input(
                        f"hard:{source.indicator}",
                        "hard",
                        source.indicator,
                        ind.name,
                        ind.name_en,
                        _display_period(source, spec),
                        direction,
                        -math.inf,
                        math.inf,
                        source,
                    )
                )
            elif isinstance(source, SatisfactionSource):
                add(
                    _Input(
                        _satisfaction_key(source),
                        "satisfaction",
                        source.question or "",
                        ind.name,
                        ind.name_en,
                        source.period,
                        direction,
                        0.0,
                        SATISFACTION_POINTS,
                        source,
                    )
                )
            elif isinstance(source, QualitativeSource):
                add(
                    _Input(
                        f"qualitative:{source.item}",
                        "qualitative",
                        source.item,
                        ind.name,
                        ind.name_en,
                        None,
                        direction,
                        0.0,
                        source.full_marks,
                        source,
                    )
                )
            elif isinstance(source, RectificationSource):
                add(
                    _Input(
                        f"rectification:{source.measure}",
                        "rectification_rate",
                        source.measure,
                        ind.name,
                        ind.name_en,
                        None,
                        direction,
                        0.0,
                        SATISFACTION_POINTS,
                        source,
                    )
                )
    return list(found.values())


class _Changed:
    """``SchemeData`` of the category with one input of one unit changed, the rest as read.

    The category's own reads are kept (``_memo``), so the many evaluations of a search do not
    repeat them; a hard indicator moves by the same amount in every period it is read in.
    """

    def __init__(self, base: CategoryData, memo: dict[Any, Any], unit: int) -> None:
        self.base = base
        self._memo = memo
        self._unit = unit
        self.lever: _Input | None = None
        self.value = math.nan
        self.delta = 0.0

    @property
    def units(self) -> Sequence[str]:
        return self.base.units

    def _read(self, key: Any, read: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = read()
        return self._memo[key]

    def _set(self, values: Float, value: float) -> Float:
        out = np.array(values, dtype=np.float64, copy=True)
        out[self._unit] = value
        return out

    def hard(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        value, target, bench = self._read(
            ("hard", indicator, period), lambda: self.base.hard(indicator, period)
        )
        lever = self.lever
        if lever is not None and lever.kind == "hard" and lever.code == indicator:
            value = self._set(value, float(value[self._unit]) + self.delta)
        return value, target, bench

    def previous(self, indicator: str, period: str) -> Float:
        found: Float = self._read(
            ("previous", indicator, period), lambda: self.base.previous(indicator, period)
        )
        return found

    def satisfaction(self, source: SatisfactionSource) -> tuple[Float, Float, Annotation]:
        key = _satisfaction_key(source)
        score, se, note = self._read(key, lambda: self.base.satisfaction(source))
        if self.lever is not None and self.lever.key == key:
            score = self._set(score, self.value)
        return score, se, note

    def qualitative(self, item: str) -> tuple[Float, Annotation]:
        values, note = self._read(("qualitative", item), lambda: self.base.qualitative(item))
        if self.lever is not None and self.lever.key == f"qualitative:{item}":
            values = self._set(values, self.value)
        return values, note

    def rectification(self, measure: str) -> tuple[Float, Annotation]:
        values, note = self._read(
            ("rectification", measure), lambda: self.base.rectification(measure)
        )
        if self.lever is not None and self.lever.key == f"rectification:{measure}":
            values = self._set(values, self.value)
        return values, note

    def excellence(self, bounds: tuple[float, float]) -> tuple[Float, Float, Annotation]:
        found: tuple[Float, Float, Annotation] = self._read(
            ("excellence", bounds), lambda: self.base.excellence(bounds)
        )
        return found

    def adjustments(self, items: Sequence[str]) -> tuple[Float, list[list[dict[str, Any]]]]:
        found: tuple[Float, list[list[dict[str, Any]]]] = self._read(
            ("adjustments", tuple(items)), lambda: self.base.adjustments(items)
        )
        return found

    def penalty(self) -> tuple[Float, float, list[dict[str, Any]]]:
        found: tuple[Float, float, list[dict[str, Any]]] = self._read(
            ("penalty",), self.base.penalty
        )
        return found


def _current_value(data: _Changed, item: _Input) -> float:
    """The unit's value of the input now (for a hard indicator, in its last period read)."""
    i = data._unit
    if item.kind == "hard":
        if item.period is None:
            return math.nan
        return float(data.hard(item.code, item.period)[0][i])
    if item.kind == "satisfaction":
        return float(data.satisfaction(item.source)[0][i])
    if item.kind == "qualitative":
        return float(data.qualitative(item.code)[0][i])
    return float(data.rectification(item.code)[0][i])


def _scale(data: _Changed, item: _Input) -> float:
    """How far apart the category's values (and the unit's target) lie, for the search."""
    if item.kind != "hard" or item.period is None:
        return item.high - item.low
    value, target, bench = data.hard(item.code, item.period)
    seen = np.concatenate([value, target[data._unit : data._unit + 1], bench])
    seen = seen[np.isfinite(seen)]
    if not seen.size:
        return 1.0
    return float(max(seen.max() - seen.min(), np.abs(seen).max(), 1.0))


def simulate_unit(session: Session, evaluation_id: int, unit_code: str) -> UnitImprovement:
    """Every lever of the unit: points per step and the least change to the next grade."""
    with collector_paused():
        return _simulate(session, evaluation_id, unit_code)


def _simulate(session: Session, evaluation_id: int, unit_code: str) -> UnitImprovement:
    evaluation = org.get_evaluation(session, evaluation_id)
    unit = org.unit_by_code(session, unit_code)
    current = schemes.current_schemes(session, evaluation_id)
    category = session.get(UnitCategory, unit.category_id)
    if category is None or category.id not in current or not unit.active:
        raise NotFound(
            N_(
                "The unit %(code)s has no composite result: its category has no scheme or it "
                "is inactive."
            ),
            code=unit.code,
        )
    categories = {
        c.id: c
        for c in session.exec(select(UnitCategory).order_by(col(UnitCategory.sort_order)))
        if c.id is not None
    }
    specs = {cid: schemes.spec_of(row) for cid, row in current.items()}
    spec = specs[category.id]
    keys = {(s.period, s.question) for _, s in schemes.satisfaction_sources(spec)}
    inputs = load_inputs(session, evaluation, keys, [category.id])
    # Lead departments' differentiation penalties depend on every category's scores, as in
    # the results (survey.composite.compute).
    check_differentiation(inputs, specs, categories)
    members: list[Unit] = inputs.members.get(category.id, [])
    codes = [m.code for m in members]
    i = codes.index(unit.code)
    base = CategoryData(session, inputs, category, members, [])
    data = _Changed(base, {}, i)
    rule = ranking.grade_rule_of(spec)
    index = {g: k for k, g in enumerate(rule.grades)}

    def outcome() -> tuple[float, int]:
        built = schemes.build_tree(spec, data)
        result = evaluate_scheme(built.root, units=codes, missing=spec.missing, warn=False)
        grades = ranking.grade_units(spec, result, codes)
        return float(result.total[i]), index.get(str(grades.grade[i]), -1)

    total, grade = outcome()
    found: list[LeverPublic] = []
    for item in levers_of(spec):
        data.lever = None
        value = _current_value(data, item)

        def model(new: float, item: _Input = item, value: float = value) -> tuple[float, int]:
            data.lever, data.value, data.delta = item, new, new - value
            try:
                return outcome()
            finally:
                data.lever = None

        lever = Lever(
            item.key,
            value,
            direction="lower" if item.direction == "lower" else "higher",
            low=item.low,
            high=item.high,
            scale=_scale(data, item),
        )
        found.append(_public(item, lever_effect(model, lever), rule.grades))
    return UnitImprovement(
        evaluation_id=evaluation_id,
        unit=unit.code,
        unit_name=unit.name,
        unit_name_en=unit.name_en,
        category=category.code,
        scheme_version=current[category.id].version,
        total=finite_or_none(total),
        grade=rule.grades[grade] if grade >= 0 else None,
        target_grade=rule.grades[grade - 1] if grade > 0 else None,
        grades=list(rule.grades),
        levers=found,
        method=found[0].method if found else "",
    )


def _public(item: _Input, effect: LeverEffect, grades: Sequence[str]) -> LeverPublic:
    return LeverPublic(
        key=item.key,
        kind=item.kind,
        code=item.code,
        name=item.name,
        name_en=item.name_en,
        period=item.period,
        direction=item.direction,
        value=finite_or_none(effect.lever.value),
        low=finite_or_none(item.low),
        high=finite_or_none(item.high),
        step=effect.lever.step,
        points_per_step=finite_or_none(effect.points_per_step),
        reachable=effect.reachable,
        change=finite_or_none(effect.change),
        new_value=finite_or_none(effect.new_value),
        new_total=finite_or_none(effect.new_total),
        new_grade=grades[effect.new_grade] if effect.new_grade >= 0 else None,
        reasons=[r.code for r in effect.reasons],
        evaluations=effect.evaluations,
        method=effect.method,
    )
