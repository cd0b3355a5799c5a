"""A scheme's method parameters and period plans, and the library's typed parameters from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import scoring
from scoring import (
    GrowthRate,
    IndicatorScore,
    score_indicator,
)
from survey.composite.schemas import (
    Direction,
    HardSource,
    IndicatorSpec,
    MonthlySpec,
    SchemeSpec,
)
from survey.composite.scheme_parse import (
    Float,
)

# Method parameters -----------------------------------------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetParams(_Params):
    cap: float = Field(default=1.0, gt=0)
    nonpositive_target: Literal["nan", "binary"] = "nan"
    target: float | None = Field(default=None, description="One target for all units")


class EfficacyParams(_Params):
    satisfactory: float | None = None
    unsatisfactory: float | None = None
    base: float = Field(default=60.0, ge=0)
    span: float = Field(default=40.0, gt=0)
    zero_range: Literal["nan", "full"] = "nan"


class MinMaxParams(_Params):
    min_points: float = Field(default=0.0, ge=0)
    low: float | None = None
    high: float | None = None
    zero_range: Literal["nan", "full"] = "nan"


class ZScoreParams(_Params):
    center: float = 80.0
    spread: float = Field(default=10.0, gt=0)
    clip_low: float = Field(default=0.0, ge=0)
    clip_high: float = 100.0
    scale_max: float = Field(default=100.0, gt=0)
    ddof: Literal[0, 1] = 0
    zero_spread: Literal["nan", "center"] = "nan"


class RankParams(_Params):
    table: list[float] | None = None
    min_points: float = Field(default=0.0, ge=0)
    beyond_table: float = Field(default=0.0, ge=0)
    ties: Literal["min", "average"] = "min"


class BenchmarkParams(_Params):
    mode: Literal["proportional", "linear"] = "proportional"
    zero_at: float | None = None
    benchmark: float | None = Field(default=None, description="One benchmark for all units")


class SpeedQualityParams(_Params):
    weights: tuple[float, float, float]


PARAMS: dict[str, type[_Params]] = {
    "target_completion": TargetParams,
    "efficacy_coefficient": EfficacyParams,
    "min_max": MinMaxParams,
    "z_score": ZScoreParams,
    "rank_points": RankParams,
    "benchmark": BenchmarkParams,
    "scale_speed_quality": SpeedQualityParams,
}


def method_of(spec: IndicatorSpec) -> str:
    """The indicator's method; non-hard sources default to a linear rescale (min_max)."""
    if spec.method is not None:
        return spec.method
    return "min_max"


def params_of(method: str, raw: dict[str, Any], source: object | None) -> _Params:
    """Parameters as the method reads them; non-hard sources rescale from a fixed 0..top."""
    merged = dict(raw)
    if method == "min_max" and source is not None and not isinstance(source, HardSource):
        top = getattr(source, "full_marks", 100.0)
        merged.setdefault("low", 0.0)
        merged.setdefault("high", top)
    return PARAMS[method].model_validate(merged)


# Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodPlan:
    """Which periods of a hard indicator are scored and how they are combined."""

    codes: tuple[str, ...]
    weights: tuple[float, ...] | None
    missing: Literal["renormalise", "zero"]
    monthly: MonthlySpec | None = None


def period_plan(source: HardSource, default: SchemeSpec) -> PeriodPlan | None:
    if source.monthly is not None:
        m = source.monthly
        n = len(m.months) // 3
        if m.cumulative and n == 4:
            names: tuple[str, ...] = ("Q1", "H1", "Q1-Q3", "year")
        elif m.cumulative:
            names = tuple(f"M1-M{3 * (q + 1)}" for q in range(n))
        else:
            names = tuple(f"Q{q + 1}" for q in range(n))
        weights = tuple(m.weights) if m.weights is not None else None
        return PeriodPlan(names, weights, m.period_missing, m)
    if source.period is not None:
        return PeriodPlan((source.period,), None, "renormalise")
    spec = source.periods or default.periods
    if spec is None:
        return None
    weights = tuple(spec.weights) if spec.weights is not None else None
    return PeriodPlan(tuple(spec.codes), weights, spec.missing)


def _plan_key(plan: PeriodPlan | None) -> object:
    if plan is None:
        return None
    monthly = plan.monthly.model_dump() if plan.monthly is not None else None
    return (plan.codes, plan.weights, plan.missing, monthly)


def default_period(spec: SchemeSpec) -> str | None:
    """The period a rule on an indicator looks at when it names none: the last default one."""
    return spec.periods.codes[-1] if spec.periods is not None else None


def scoring_params(params: _Params, direction: Direction, full: float) -> scoring.MethodParams:
    """The library's checked parameters for a scheme's method parameters; its ValueError
    names the first impossible one (checked when the scheme is read, see _check_params)."""
    common: dict[str, Any] = {"full_points": full, "direction": direction}
    if isinstance(params, TargetParams):
        return scoring.TargetCompletionParams(
            cap=params.cap, nonpositive_target=params.nonpositive_target, **common
        )
    if isinstance(params, EfficacyParams):
        return scoring.EfficacyParams(
            satisfactory=params.satisfactory,
            unsatisfactory=params.unsatisfactory,
            base=params.base,
            span=params.span,
            zero_range=params.zero_range,
            **common,
        )
    if isinstance(params, MinMaxParams):
        return scoring.MinMaxParams(
            min_points=params.min_points,
            low=params.low,
            high=params.high,
            zero_range=params.zero_range,
            **common,
        )
    if isinstance(params, ZScoreParams):
        return scoring.ZScoreParams(
            center=params.center,
            spread=params.spread,
            clip_low=params.clip_low,
            clip_high=params.clip_high,
            scale_max=params.scale_max,
            ddof=params.ddof,
            zero_spread=params.zero_spread,
            **common,
        )
    if isinstance(params, RankParams):
        return scoring.RankPointsParams(
            table=None if params.table is None else tuple(params.table),
            min_points=params.min_points,
            beyond_table=params.beyond_table,
            ties=params.ties,
            **common,
        )
    if isinstance(params, BenchmarkParams):
        return scoring.BenchmarkParams(mode=params.mode, zero_at=params.zero_at, **common)
    raise ValueError(f"parameters {type(params).__name__} do not score values")  # pragma: no cover


# The methods that score values (scale_speed_quality combines what these give).
_SCORED_METHODS = frozenset(
    {"target_completion", "efficacy_coefficient", "min_max", "z_score", "rank_points", "benchmark"}
)


def _reference(params: _Params, target: Any = None, benchmark: Any = None) -> Any:
    """Targets or benchmarks of the method (a scheme's one value for all wins), else None."""
    if isinstance(params, TargetParams):
        return params.target if params.target is not None else target
    if isinstance(params, BenchmarkParams):
        return params.benchmark if params.benchmark is not None else benchmark
    return None


def _method_score(
    method: str,
    params: _Params,
    values: Float | GrowthRate,
    *,
    direction: Direction,
    full: float,
    target: Float | None = None,
    benchmark: Float | None = None,
) -> IndicatorScore:
    checked = scoring_params(params, direction, full)
    return score_indicator(checked, values, _reference(params, target, benchmark), warn=False)


def _efficacy(values: Any, p: EfficacyParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("efficacy_coefficient", p, values, direction=direction, full=full)


def _min_max(values: Any, p: MinMaxParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("min_max", p, values, direction=direction, full=full)


def _z(values: Any, p: ZScoreParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("z_score", p, values, direction=direction, full=full)


def _rank(values: Any, p: RankParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("rank_points", p, values, direction=direction, full=full)


def _benchmark(
    values: Any, bench: Any, p: BenchmarkParams, direction: Direction, full: float
) -> IndicatorScore:
    return _method_score("benchmark", p, values, direction=direction, full=full, benchmark=bench)
