"""The scoring tree of a scheme: scoring.composite nodes built for the units of one category."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal, Protocol

import numpy as np

from scoring import (
    Adjustments,
    GrowthRate,
    IndicatorScore,
    PeriodAggregate,
    RowAggregates,
    RowScores,
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    aggregate_periods,
    aggregate_rows,
    bound_adjustments,
    growth_rate,
    monthly_to_quarterly,
    scale_speed_quality,
    score_rows,
    tier_coefficients,
    topsis,
)
from survey.composite.schemas import (
    AdjustmentSpec,
    BlockSpec,
    CoefficientSpec,
    Direction,
    HardSource,
    IndicatorSpec,
    PartSpec,
    SatisfactionSource,
    SchemeSpec,
    WeightingSpec,
)
from survey.composite.scheme_mcda import criterion_values, derive_weights
from survey.composite.scheme_methods import (
    _SCORED_METHODS,
    MinMaxParams,
    PeriodPlan,
    SpeedQualityParams,
    _method_score,
    _Params,
    _plan_key,
    _reference,
    default_period,
    method_of,
    params_of,
    period_plan,
    scoring_params,
)
from survey.composite.scheme_parse import (
    ROOT,
    Float,
)

# The scoring tree ---------------------------------------------------------------------------


Annotation = Callable[[int], dict[str, Any]]


class SchemeData(Protocol):
    """Values of the units of one category, in the order of ``units``."""

    @property
    def units(self) -> Sequence[str]: ...

    def hard(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        """Value, target and benchmark of each unit (NaN where none)."""
        ...

    def previous(self, indicator: str, period: str) -> Float:
        """The value of each unit in the same period of the previous evaluation."""
        ...

    def satisfaction(self, source: SatisfactionSource) -> tuple[Float, Float, Annotation]:
        """Score (0-100), standard error and a description of each unit's score."""
        ...

    def qualitative(self, item: str) -> tuple[Float, Annotation]: ...

    def rectification(self, measure: str) -> tuple[Float, Annotation]:
        """Rectification rate of each unit (0-100; NaN where nothing was routed to it)."""
        ...

    def excellence(self, bounds: tuple[float, float]) -> tuple[Float, Float, Annotation]:
        """Mean appraisal score (0-100), effective difficulty and the goals of each unit."""
        ...

    def adjustments(self, items: Sequence[str]) -> tuple[Float, list[list[dict[str, Any]]]]:
        """Points per unit and item (shape (U, K)) and the entries behind them."""
        ...

    def penalty(self) -> tuple[Float, float, list[dict[str, Any]]]:
        """Differentiation penalty of each unit (<= 0), the lowest possible, the reasons."""
        ...


@dataclass
class BuiltScheme:
    """A category's scheme as library nodes, with what explanations need besides numbers."""

    root: SchemeBlock
    labels: dict[str, tuple[str, str]]
    annotations: dict[str, Annotation]
    top_blocks: list[tuple[str, str, str, str, float]]  # path, code, name, name_en, max points
    max_points: float


@dataclass
class _PeriodValues:
    label: str
    value: Float
    target: Float
    benchmark: Float
    previous: Float


def _period_values(data: SchemeData, source: HardSource, plan: PeriodPlan) -> list[_PeriodValues]:
    ind = source.indicator
    if plan.monthly is None:
        out = []
        missing: Float | None = None  # one array of NaN for the periods, read only
        for code in plan.codes:
            value, target, bench = data.hard(ind, code)
            if source.growth:
                previous = data.previous(ind, code)
            else:
                if missing is None:
                    missing = np.full(value.size, np.nan)
                previous = missing
            out.append(_PeriodValues(code, value, target, bench, previous))
        return out
    m = plan.monthly
    columns = [data.hard(ind, month) for month in m.months]

    def quarters(stacked: Float) -> Float:
        q = monthly_to_quarterly(
            stacked, how=m.how, cumulative=m.cumulative, missing=m.missing, warn=False
        )
        return np.asarray(q.values, dtype=np.float64)

    value = quarters(np.stack([c[0] for c in columns], axis=1))
    target = quarters(np.stack([c[1] for c in columns], axis=1))
    bench = quarters(np.stack([c[2] for c in columns], axis=1))
    if source.growth:
        previous = quarters(np.stack([data.previous(ind, month) for month in m.months], axis=1))
    else:
        previous = np.full(value.shape, np.nan)
    return [
        _PeriodValues(label, value[:, q], target[:, q], bench[:, q], previous[:, q])
        for q, label in enumerate(plan.codes)
    ]


def _hard_note(source: HardSource, periods: list[_PeriodValues], data: SchemeData) -> Annotation:
    months: dict[str, Float] = {}
    if source.monthly is not None:
        months = {m: data.hard(source.indicator, m)[0] for m in source.monthly.months}

    def note(i: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "hard",
            "indicator": source.indicator,
            "growth": source.growth,
            "periods": [
                {
                    "period": p.label,
                    "value": float(p.value[i]),
                    "target": float(p.target[i]),
                    "benchmark": float(p.benchmark[i]),
                    **({"previous": float(p.previous[i])} if source.growth else {}),
                }
                for p in periods
            ],
        }
        if months:
            out["monthly"] = {
                "how": source.monthly.how if source.monthly else "sum",
                "values": {m: float(v[i]) for m, v in months.items()},
            }
        return out

    return note


class _Builder:
    def __init__(self, spec: SchemeSpec, data: SchemeData) -> None:
        self.spec = spec
        self.data = data
        self.size = len(data.units)
        self.labels: dict[str, tuple[str, str]] = {}
        self.annotations: dict[str, Annotation] = {}
        self.max_points: dict[str, float] = {}
        # Indicator path -> its score and note, scored together with its like (see _batch).
        self.batched: dict[str, Callable[[], tuple[IndicatorScore | PeriodAggregate, Annotation]]]
        self.batched = {}

    def batch_hard(self) -> None:
        """Score the hard indicators that share method, parameters and periods together.

        A category scores dozens of indicators by a few methods: ``score_rows`` takes each
        such group in one go, period by period, with results equal to the one-indicator
        calls. Each indicator's result (and its warnings) is taken as the tree reaches it, so
        the category's notes keep their order. Growth rates and monthly values, whose
        preparation warns on its own, are scored one indicator at a time as before.
        """
        groups: dict[tuple[Any, ...], list[tuple[str, HardSource, list[_PeriodValues]]]] = {}
        shared: dict[tuple[Any, ...], tuple[_Params, PeriodPlan, Direction, float]] = {}

        def walk(block: BlockSpec | SchemeSpec, path: str) -> None:
            # TOPSIS criteria are compared by their values, not scored.
            topsis = isinstance(block, BlockSpec) and block.topsis is not None
            for ind in [] if topsis else block.indicators:
                source, method = ind.source, method_of(ind)
                if (
                    not isinstance(source, HardSource)
                    or source.growth
                    or source.monthly is not None
                    or method not in _SCORED_METHODS
                ):
                    continue
                plan = period_plan(source, self.spec)
                if plan is None:
                    continue
                params = params_of(method, ind.params, source)
                full = ind.points if ind.points is not None else 100.0
                key = (method, repr(params), ind.direction, full, _plan_key(plan))
                periods = _period_values(self.data, source, plan)
                groups.setdefault(key, []).append((f"{path}/{ind.code}", source, periods))
                shared[key] = (params, plan, ind.direction, full)
            for child in block.blocks:
                walk(child, f"{path}/{child.code}")

        walk(self.spec, ROOT)
        for key, members in groups.items():
            params, plan, direction, full = shared[key]
            checked = scoring_params(params, direction, full)
            rows: list[RowScores] = []
            for q in range(len(plan.codes)):
                reference = _reference(
                    params,
                    np.stack([periods[q].target for _, _, periods in members]),
                    np.stack([periods[q].benchmark for _, _, periods in members]),
                )
                values = np.stack([periods[q].value for _, _, periods in members])
                rows.append(
                    score_rows(checked.method, values, reference, params=checked, warn=False)
                )
            combined = None
            if len(rows) > 1 or plan.weights is not None:
                combined = aggregate_rows(
                    rows, plan.weights, missing=plan.missing, labels=plan.codes
                )
            for k, (path, source, periods) in enumerate(members):
                self.batched[path] = partial(self._batched, rows, combined, k, source, periods)

    def _batched(
        self,
        rows: list[RowScores],
        combined: RowAggregates | None,
        k: int,
        source: HardSource,
        periods: list[_PeriodValues],
    ) -> tuple[IndicatorScore | PeriodAggregate, Annotation]:
        score = rows[0].score(k) if combined is None else combined.aggregate(k)
        return score, _hard_note(source, periods, self.data)

    def _hard_score(
        self,
        method: str,
        raw: dict[str, Any],
        source: HardSource,
        direction: Direction,
        full: float,
    ) -> tuple[IndicatorScore | PeriodAggregate, Annotation]:
        plan = period_plan(source, self.spec)
        assert plan is not None
        params = params_of(method, raw, source)
        periods = _period_values(self.data, source, plan)
        scores = [self._one_period(method, params, source, p, direction, full) for p in periods]
        return self._combine(scores, plan), _hard_note(source, periods, self.data)

    def _one_period(
        self,
        method: str,
        params: _Params,
        source: HardSource,
        p: _PeriodValues,
        direction: Direction,
        full: float,
    ) -> IndicatorScore:
        values: Float | GrowthRate = p.value
        if source.growth:
            values = growth_rate(p.value, p.previous, rule=source.growth_rule, warn=False)
        return _method_score(
            method,
            params,
            values,
            direction=direction,
            full=full,
            target=p.target,
            benchmark=p.benchmark,
        )

    @staticmethod
    def _combine(
        scores: list[IndicatorScore], plan: PeriodPlan
    ) -> IndicatorScore | PeriodAggregate:
        if len(scores) == 1 and plan.weights is None:
            return scores[0]
        return aggregate_periods(
            scores,
            plan.weights,
            missing=plan.missing,
            periods=plan.codes,
            warn=False,
        )

    def indicator(
        self, ind: IndicatorSpec, path: str, weighted: bool
    ) -> tuple[SchemeLeaf | SchemeBlock, float]:
        self.labels[path] = (ind.name, ind.name_en)
        method = method_of(ind)
        full = ind.points if ind.points is not None else 100.0
        weight = ind.weight if weighted else None
        if method == "scale_speed_quality":
            return self._speed_quality(ind, path, full, weight)
        source = ind.source
        assert source is not None
        if isinstance(source, HardSource):
            prepared = self.batched.pop(path, None)
            if prepared is not None:
                score, note = prepared()
            else:
                score, note = self._hard_score(method, ind.params, source, ind.direction, full)
            self.annotations[path] = note
            leaf = SchemeLeaf(ind.code, score, weight=weight)
            assert leaf.max_points is not None
            return leaf, leaf.max_points
        params = params_of(method, ind.params, source)
        if isinstance(source, SatisfactionSource):
            values, se, notes = self.data.satisfaction(source)
        elif source.type == "qualitative":
            values, notes = self.data.qualitative(source.item)
            se = None
        elif source.type == "rectification_rate":
            values, notes = self.data.rectification(source.measure)
            se = None
        else:
            values, coefficient, notes = self.data.excellence(source.difficulty)
            inner = _method_score(method, params, values, direction=ind.direction, full=full)
            self.annotations[path] = notes
            node = SchemeBlock(
                ind.code,
                [SchemeLeaf("appraisal", inner)],
                weight=weight,
                coefficient=coefficient,
                coefficient_bounds=source.difficulty,
            )
            self.labels[f"{path}/appraisal"] = (ind.name, ind.name_en)
            return node, inner.max_points
        scored = _method_score(method, params, values, direction=ind.direction, full=full)
        leaf_se = None
        if (
            se is not None
            and isinstance(params, MinMaxParams)
            and params.low is not None
            and params.high is not None
            and params.high > params.low
        ):
            leaf_se = se * (full - params.min_points) / (params.high - params.low)
        self.annotations[path] = notes
        leaf = SchemeLeaf(ind.code, scored, weight=weight, se=leaf_se)
        assert leaf.max_points is not None
        return leaf, leaf.max_points

    def _speed_quality(
        self, ind: IndicatorSpec, path: str, full: float, weight: float | None
    ) -> tuple[SchemeLeaf, float]:
        parts = ind.parts or {}
        order: tuple[Literal["scale", "speed", "quality"], ...] = ("scale", "speed", "quality")
        plan = period_plan(parts["scale"].source, self.spec)
        assert plan is not None
        values: dict[str, list[_PeriodValues]] = {}
        params: dict[str, _Params] = {}
        for name in order:
            part: PartSpec = parts[name]
            values[name] = _period_values(self.data, part.source, plan)
            params[name] = params_of(part.method, part.params, part.source)
        sq = params_of("scale_speed_quality", ind.params, None)
        assert isinstance(sq, SpeedQualityParams)
        per_period = []
        for k in range(len(plan.codes)):
            subs = [
                self._one_period(
                    parts[name].method,
                    params[name],
                    parts[name].source,
                    values[name][k],
                    parts[name].direction or ind.direction,
                    100.0,
                )
                for name in order
            ]
            per_period.append(scale_speed_quality(*subs, weights=sq.weights, full_points=full))
        notes = {name: _hard_note(parts[name].source, values[name], self.data) for name in order}
        self.annotations[path] = lambda i: {
            "type": "scale_speed_quality",
            "parts": {name: note(i) for name, note in notes.items()},
        }
        leaf = SchemeLeaf(ind.code, self._combine(per_period, plan), weight=weight)
        assert leaf.max_points is not None
        return leaf, leaf.max_points

    def adjustment(self, adj: AdjustmentSpec, path: str) -> SchemeAdjustment:
        self.labels[path] = (adj.name, adj.name_en)
        if adj.source == "differentiation_penalty":
            points, lowest, reasons = self.data.penalty()
            low = adj.low if adj.low is not None else lowest
            bounded = bound_adjustments(
                points[:, None],
                item_low=low,
                item_high=0.0,
                items=[adj.code],
            )
            self.annotations[path] = lambda i: {"type": "differentiation_penalty", **reasons[i]}
            return SchemeAdjustment(adj.code, bounded)
        codes = [item.code for item in adj.items]
        values, entries = self.data.adjustments(codes)
        adjusted: Adjustments = bound_adjustments(
            values,
            item_low=[item.low for item in adj.items],
            item_high=[item.high for item in adj.items],
            items=codes,
            bonus_total_max=adj.bonus_total_max,
            deduction_total_min=adj.deduction_total_min,
            total_bounds=adj.total_bounds,
        )
        self.annotations[path] = lambda i: {"type": "entries", "entries": entries[i]}
        return SchemeAdjustment(adj.code, adjusted)

    def coefficient(self, coef: CoefficientSpec, path: str) -> Any:
        period = coef.period or default_period(self.spec)
        assert period is not None
        values = self.data.hard(coef.indicator, period)[0]
        base: Any = coef.base
        if coef.base_indicator is not None:
            base = self.data.hard(coef.base_indicator, period)[0]
        result = tier_coefficients(
            values,
            thresholds=coef.thresholds,
            tiers=coef.tiers,
            rule=coef.rule,
            direction=coef.direction,
            base=base,
            warn=False,
        )
        self.annotations[path + "#coefficient"] = lambda i: {
            "type": "hard",
            "indicator": coef.indicator,
            "period": period,
            "value": float(values[i]),
            **({"base_indicator": coef.base_indicator} if coef.base_indicator else {}),
        }
        return result

    def topsis_leaf(self, block: BlockSpec, path: str) -> tuple[SchemeLeaf, float]:
        """The block's TOPSIS closeness as one leaf worth the block's full points."""
        assert block.topsis is not None
        top = block.points if block.points is not None else 100.0
        columns: list[Float] = []
        notes: list[Annotation] = []
        for ind in block.indicators:
            values, note = criterion_values(self.data, ind, self.spec)
            columns.append(values)
            notes.append(note)
        matrix = np.column_stack(columns)
        directions = [ind.direction for ind in block.indicators]
        codes = [ind.code for ind in block.indicators]
        derived = None
        if block.weighting is not None:
            derived = derive_weights(block.weighting, matrix, directions)
            weights = derived.weights
        else:
            weights = np.array([ind.weight or 0.0 for ind in block.indicators])
        if derived is not None and not derived.defined:
            closeness = np.full(self.size, np.nan)
            result = None
        else:
            result = topsis(
                matrix,
                weights,
                directions,
                normalisation=block.topsis.normalisation,
                warn=False,
            )
            closeness = np.asarray(result.closeness, dtype=np.float64)
        leaf_path = f"{path}/topsis"
        self.labels[leaf_path] = (block.name, block.name_en)
        names = {ind.code: (ind.name, ind.name_en) for ind in block.indicators}

        def explain(i: int) -> dict[str, Any]:
            out: dict[str, Any] = {
                "type": "topsis",
                "normalisation": block.topsis.normalisation if block.topsis else "vector",
                "closeness": float(closeness[i]),
                "criteria": [
                    {
                        "code": code,
                        "name": names[code][0],
                        "name_en": names[code][1],
                        "direction": directions[k],
                        "weight": float(weights[k]),
                        "value": float(matrix[i, k]),
                        "source": notes[k](i),
                    }
                    for k, code in enumerate(codes)
                ],
            }
            if result is not None:
                detail = result.explain(i)
                out.update(
                    d_best=detail["d_best"],
                    d_worst=detail["d_worst"],
                    reason=detail["reason"],
                )
                for k, criterion in enumerate(out["criteria"]):
                    criterion.update(
                        weighted=detail["weighted"][k],
                        ideal=detail["ideal"][k],
                        anti_ideal=detail["anti_ideal"][k],
                    )
            if derived is not None:
                out["weighting"] = derived.note(codes)
            return out

        self.annotations[leaf_path] = explain
        return SchemeLeaf("topsis", closeness * top, max_points=top), top

    def weigh(
        self,
        weighting: WeightingSpec,
        children: list[SchemeLeaf | SchemeBlock | SchemeAdjustment],
        specs: Sequence[IndicatorSpec | BlockSpec],
        path: str,
    ) -> list[SchemeLeaf | SchemeBlock | SchemeAdjustment]:
        """The children with the weights the block's weighting derives.

        Entropy weights are computed from each indicator's share of its full points, so that
        its direction is already applied (a cost indicator scores more the lower it is).
        Where they are undefined (every unit equal), the block has no value: its children
        are kept with equal weights but their scores left out (NaN), rather than inventing
        weights the data do not give.
        """
        values = None
        if weighting.method == "entropy":
            shares = []
            for node in children:
                assert isinstance(node, SchemeLeaf) and node.max_points is not None
                score = node.score
                if isinstance(score, IndicatorScore):
                    points = np.asarray(score.points, dtype=np.float64)
                elif isinstance(score, PeriodAggregate):
                    points = np.asarray(score.total, dtype=np.float64)
                else:
                    points = np.asarray(score, dtype=np.float64)
                shares.append(points / node.max_points)
            values = np.column_stack(shares)
        derived = derive_weights(weighting, values, ["higher"] * len(children))
        codes = [c.code for c in specs]
        self.annotations[path] = lambda i: derived.note(codes)
        if not derived.defined:
            even = 1.0 / len(children)
            return [
                replace(c, score=np.full(self.size, np.nan), weight=even)
                if isinstance(c, SchemeLeaf)
                else _weighed(c, even)
                for c in children
            ]
        return [_weighed(c, float(w)) for c, w in zip(children, derived.weights, strict=True)]

    def block(
        self, block: BlockSpec | SchemeSpec, code: str, path: str, weight: float | None
    ) -> tuple[SchemeBlock, float]:
        children: list[SchemeLeaf | SchemeBlock | SchemeAdjustment] = []
        specs: list[IndicatorSpec | BlockSpec] = [*block.indicators, *block.blocks]
        weighting = block.weighting if isinstance(block, BlockSpec) else None
        weighted = weighting is not None or any(c.weight is not None for c in specs)
        child_max: list[float] = []
        if isinstance(block, BlockSpec) and block.topsis is not None:
            leaf, top = self.topsis_leaf(block, path)
            children.append(leaf)
            child_max.append(top)
            weighted = False
        else:
            for ind in block.indicators:
                node, top = self.indicator(ind, f"{path}/{ind.code}", weighted)
                children.append(node)
                child_max.append(top)
            for child in block.blocks:
                child_path = f"{path}/{child.code}"
                self.labels[child_path] = (child.name, child.name_en)
                node_b, top = self.block(child, child.code, child_path, child.weight)
                children.append(node_b)
                child_max.append(top)
            if weighting is not None:
                children = self.weigh(weighting, children, specs, path)
        for adj in block.adjustments:
            children.append(self.adjustment(adj, f"{path}/{adj.code}"))
        if block.points is not None:
            max_points = block.points
        elif weighted:
            max_points = 100.0
        else:
            max_points = math.fsum(child_max)
        coefficient = (
            self.coefficient(block.coefficient, path) if block.coefficient is not None else None
        )
        self.max_points[path] = max_points
        node = SchemeBlock(
            code,
            children,
            weight=weight,
            max_points=block.points,
            coefficient=coefficient,
            cap=block.cap,
            missing=block.missing if isinstance(block, BlockSpec) else None,
        )
        return node, max_points


def _weighed(
    node: SchemeLeaf | SchemeBlock | SchemeAdjustment, weight: float
) -> SchemeLeaf | SchemeBlock | SchemeAdjustment:
    """A leaf or block with the weight a block's weighting gave it."""
    if isinstance(node, SchemeLeaf):
        return replace(node, weight=weight)
    assert isinstance(node, SchemeBlock)
    return replace(node, weight=weight)


def build_tree(spec: SchemeSpec, data: SchemeData) -> BuiltScheme:
    """The category's scheme as ``scoring.composite`` nodes over ``data.units``."""
    builder = _Builder(spec, data)
    builder.labels[ROOT] = (spec.title, "")
    builder.batch_hard()
    root, max_points = builder.block(spec, ROOT, ROOT, None)
    top = [
        (f"{ROOT}/{b.code}", b.code, b.name, b.name_en, builder.max_points[f"{ROOT}/{b.code}"])
        for b in spec.blocks
    ]
    return BuiltScheme(
        root=root,
        labels=builder.labels,
        annotations=builder.annotations,
        top_blocks=top,
        max_points=max_points,
    )
