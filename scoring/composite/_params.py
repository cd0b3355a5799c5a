"""Typed, checked parameters of the indicator scoring methods: one frozen dataclass per method.

Each dataclass checks its fields when it is built (a clear :class:`ValueError` names the
field), so a scheme that names a method with impossible parameters is refused when it is
read, not when its first values are scored. The kernels read these fields; the
category-level quantities that the values decide (bounds, mean and deviation, ranks) travel
beside them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, TypeAlias

from scoring.composite._base import (
    Direction,
    Param,
    check_choice,
    check_direction,
    check_number,
)

GrowthRule = Literal["nan", "abs"]
NonPositiveTarget = Literal["nan", "binary"]
ZeroRange = Literal["nan", "full"]
ZeroSpread = Literal["nan", "center"]
RankTies = Literal["min", "average"]
BenchmarkMode = Literal["proportional", "linear"]


def _set(obj: object, name: str, value: object) -> None:
    # Frozen dataclasses: normalised values (floats, tuples) are stored once, at build time.
    object.__setattr__(obj, name, value)


def _optional(value: float | None, name: str) -> float | None:
    return None if value is None else check_number(value, name)


@dataclass(frozen=True)
class TargetCompletionParams:
    """Target completion: ``full_points * clip(value / target, 0, cap)``."""

    method: ClassVar[str] = "target_completion"
    full_points: float = 100.0
    cap: float = 1.0
    direction: Direction = "higher"
    nonpositive_target: NonPositiveTarget = "nan"

    def __post_init__(self) -> None:
        _set(
            self,
            "full_points",
            check_number(self.full_points, "full_points", minimum=0.0, strict_min=True),
        )
        _set(self, "cap", check_number(self.cap, "cap", minimum=0.0, strict_min=True))
        _set(self, "direction", check_direction(self.direction))
        check_choice(self.nonpositive_target, NonPositiveTarget, "nonpositive_target")


@dataclass(frozen=True)
class EfficacyParams:
    """Efficacy coefficient (功效系数): ``base + span * share of the way to satisfactory``."""

    method: ClassVar[str] = "efficacy_coefficient"
    full_points: float = 100.0
    direction: Direction = "higher"
    satisfactory: float | None = None
    unsatisfactory: float | None = None
    base: float = 60.0
    span: float = 40.0
    zero_range: ZeroRange = "nan"

    def __post_init__(self) -> None:
        _set(
            self,
            "full_points",
            check_number(self.full_points, "full_points", minimum=0.0, strict_min=True),
        )
        _set(self, "direction", check_direction(self.direction))
        _set(self, "base", check_number(self.base, "base", minimum=0.0))
        _set(self, "span", check_number(self.span, "span", minimum=0.0, strict_min=True))
        check_choice(self.zero_range, ZeroRange, "zero_range")
        # Given bounds are checked against each other with the category's values (one may
        # be taken from the category), see ``_category_bounds``.
        _set(self, "satisfactory", _optional(self.satisfactory, "satisfactory"))
        _set(self, "unsatisfactory", _optional(self.unsatisfactory, "unsatisfactory"))


@dataclass(frozen=True)
class MinMaxParams:
    """Min-max normalisation: the best value gets ``full_points``, the worst ``min_points``."""

    method: ClassVar[str] = "min_max"
    full_points: float = 100.0
    min_points: float = 0.0
    direction: Direction = "higher"
    low: float | None = None
    high: float | None = None
    zero_range: ZeroRange = "nan"

    def __post_init__(self) -> None:
        full = check_number(self.full_points, "full_points", minimum=0.0, strict_min=True)
        lo_pts = check_number(self.min_points, "min_points", minimum=0.0)
        if lo_pts >= full:
            raise ValueError(f"min_points {lo_pts:g} must be below full_points {full:g}")
        _set(self, "full_points", full)
        _set(self, "min_points", lo_pts)
        _set(self, "direction", check_direction(self.direction))
        check_choice(self.zero_range, ZeroRange, "zero_range")
        lo, hi = _optional(self.low, "low"), _optional(self.high, "high")
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"low {lo:g} must be below high {hi:g}")
        _set(self, "low", lo)
        _set(self, "high", hi)


@dataclass(frozen=True)
class ZScoreParams:
    """Z-score mapped to points: ``clip(center + spread * z, clip_low, clip_high)``."""

    method: ClassVar[str] = "z_score"
    full_points: float = 100.0
    direction: Direction = "higher"
    center: float = 80.0
    spread: float = 10.0
    clip_low: float = 0.0
    clip_high: float = 100.0
    scale_max: float = 100.0
    ddof: int = 0
    zero_spread: ZeroSpread = "nan"

    def __post_init__(self) -> None:
        _set(
            self,
            "full_points",
            check_number(self.full_points, "full_points", minimum=0.0, strict_min=True),
        )
        _set(self, "direction", check_direction(self.direction))
        _set(self, "center", check_number(self.center, "center"))
        _set(self, "spread", check_number(self.spread, "spread", minimum=0.0, strict_min=True))
        scale_max = check_number(self.scale_max, "scale_max", minimum=0.0, strict_min=True)
        lo = check_number(self.clip_low, "clip_low", minimum=0.0)
        hi = check_number(self.clip_high, "clip_high", maximum=scale_max)
        if not lo < hi:
            raise ValueError(f"clip_low {lo:g} must be below clip_high {hi:g}")
        if self.ddof not in (0, 1) or isinstance(self.ddof, bool):
            raise ValueError(f"ddof must be 0 or 1, got {self.ddof!r}")
        check_choice(self.zero_spread, ZeroSpread, "zero_spread")
        _set(self, "scale_max", scale_max)
        _set(self, "clip_low", lo)
        _set(self, "clip_high", hi)
        _set(self, "ddof", int(self.ddof))


@dataclass(frozen=True)
class RankPointsParams:
    """Points by competition rank: a table by rank, or linear from full to min points."""

    method: ClassVar[str] = "rank_points"
    full_points: float = 100.0
    direction: Direction = "higher"
    table: tuple[float, ...] | None = None
    min_points: float = 0.0
    beyond_table: float = 0.0
    ties: RankTies = "min"

    def __post_init__(self) -> None:
        full = check_number(self.full_points, "full_points", minimum=0.0, strict_min=True)
        _set(self, "full_points", full)
        _set(self, "direction", check_direction(self.direction))
        _set(
            self,
            "min_points",
            check_number(self.min_points, "min_points", minimum=0.0, maximum=full),
        )
        beyond = check_number(self.beyond_table, "beyond_table", minimum=0.0, maximum=full)
        _set(self, "beyond_table", beyond)
        check_choice(self.ties, RankTies, "ties")
        if self.table is None:
            return
        tab = tuple(check_number(x, "table entry", minimum=0.0, maximum=full) for x in self.table)
        if not tab:
            raise ValueError("table must not be empty")
        if any(b > a for a, b in itertools.pairwise(tab)):
            raise ValueError("table must be non-increasing (rank 1 gets the most points)")
        if beyond > tab[-1]:
            raise ValueError("beyond_table must not exceed the last table entry")
        _set(self, "table", tab)


@dataclass(frozen=True)
class BenchmarkParams:
    """Distance to a benchmark (标杆值): full points at or beyond it, less below."""

    method: ClassVar[str] = "benchmark"
    full_points: float = 100.0
    direction: Direction = "higher"
    mode: BenchmarkMode = "proportional"
    zero_at: float | None = None

    def __post_init__(self) -> None:
        _set(
            self,
            "full_points",
            check_number(self.full_points, "full_points", minimum=0.0, strict_min=True),
        )
        _set(self, "direction", check_direction(self.direction))
        check_choice(self.mode, BenchmarkMode, "mode")
        if self.mode == "linear":
            if self.zero_at is None:
                raise ValueError("zero_at is required in linear mode")
            _set(self, "zero_at", check_number(self.zero_at, "zero_at"))
        elif self.zero_at is not None:
            raise ValueError("zero_at applies to linear mode only")


MethodParams: TypeAlias = (
    TargetCompletionParams
    | EfficacyParams
    | MinMaxParams
    | ZScoreParams
    | RankPointsParams
    | BenchmarkParams
)

# Method name (as IndicatorScore.method gives it) -> its parameters' dataclass.
PARAMS_BY_METHOD: dict[str, type[MethodParams]] = {
    cls.method: cls
    for cls in (
        TargetCompletionParams,
        EfficacyParams,
        MinMaxParams,
        ZScoreParams,
        RankPointsParams,
        BenchmarkParams,
    )
}


def params_dict(params: MethodParams) -> dict[str, Param]:
    """The fields in their declared order, as an explanation lists them."""
    return {f.name: getattr(params, f.name) for f in fields(params)}


def method_params(method: str, **options: Any) -> MethodParams:
    """The checked parameters of ``method`` from keyword options (a typo is a TypeError)."""
    if method not in PARAMS_BY_METHOD:
        raise ValueError(f"unknown method {method!r}; expected one of {sorted(PARAMS_BY_METHOD)}")
    return PARAMS_BY_METHOD[method](**options)
