"""Methods that score each unit against its own reference value: target completion and the
distance to a benchmark (标杆值)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray
from scoring.composite._base import Direction, Param
from scoring.composite._indicator import (
    Category,
    GrowthRate,
    IndicatorScore,
    MethodParts,
    MethodSetup,
    ReasonRules,
    Reference,
    score_category,
)
from scoring.composite._params import (
    BenchmarkMode,
    BenchmarkParams,
    NonPositiveTarget,
    TargetCompletionParams,
    params_dict,
)

# --------------------------------------------------------------------------- target completion


def _k_target(
    inp: Mapping[str, FloatArray], p: TargetCompletionParams, cat: Category
) -> tuple[FloatArray, FloatArray]:
    v, t = inp["value"], inp["target"]
    higher = p.direction == "higher"
    with np.errstate(invalid="ignore", divide="ignore"):
        # Lower is better and value <= 0 < target: better than any positive target -> cap.
        ratio = v / t if higher else np.where(v > 0, t / v, np.inf)
    ratio = np.where(t > 0, ratio, np.nan)
    if p.nonpositive_target == "binary":
        reached = v >= t if higher else v <= t
        ratio = np.where(t > 0, ratio, np.where(reached, 1.0, 0.0))
    ratio = np.where(np.isnan(v) | np.isnan(t), np.nan, ratio)
    used = np.clip(ratio, 0.0, p.cap)
    return np.asarray(used, dtype=np.float64), np.asarray(p.full_points * used, dtype=np.float64)


def target_completion(
    values: ArrayLike | GrowthRate,
    targets: ArrayLike,
    *,
    full_points: float = 100.0,
    cap: float = 1.0,
    direction: Direction = "higher",
    nonpositive_target: NonPositiveTarget = "nan",
    warn: bool = True,
) -> IndicatorScore:
    """Points for completing a target: ``full_points * min(completion, cap)``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Achieved values (NaN = missing).
    targets : float or array_like, shape (U,)
        Target per unit (per-unit targets, 差异目标值) or one target for all, same unit.
    full_points : float
        Points for exactly reaching the target (> 0).
    cap : float
        Largest completion ratio credited (> 0); 1.2 lets over-fulfilment earn up to 120 %
        of ``full_points``. ``max_points = full_points * cap``.
    direction : {"higher", "lower"}
        ``"higher"``: completion = value / target. ``"lower"`` (e.g. energy per unit of
        GDP): completion = target / value, and a value <= 0 with a positive target counts as
        the best possible result (completion = cap).
    nonpositive_target : {"nan", "binary"}
        A target <= 0 makes the ratio meaningless. ``"nan"`` (default): points NaN with
        reason ``target_not_positive``. ``"binary"``: completion 1 if the target is reached
        (value >= target, or <= for lower-is-better), else 0.
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        ``raw`` is the completion ratio credited, in ``[0, cap]`` (negative ratios are
        floored at 0).
    """
    params = TargetCompletionParams(
        full_points=full_points,
        cap=cap,
        direction=direction,
        nonpositive_target=nonpositive_target,
    )
    return score_category(TARGET, values, targets, params, warn=warn)


def _target_setup(p: TargetCompletionParams) -> MethodSetup[TargetCompletionParams]:
    ratio = "value / target" if p.direction == "higher" else "target / value (value <= 0 -> cap)"
    formula = f"points = full_points * clip({ratio}, 0, cap); target <= 0 -> " + (
        "NaN" if p.nonpositive_target == "nan" else "1 if target reached else 0"
    )
    return MethodSetup(
        "target_completion", p.direction, "completion", p.full_points * p.cap, formula, p
    )


def _target_inputs(
    setup: MethodSetup[TargetCompletionParams], v: FloatArray, ref: Reference
) -> dict[str, FloatArray]:
    assert ref is not None
    return {"target": ref}


def _target_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], p: TargetCompletionParams, cat: Category
) -> ReasonRules:
    t = inputs["target"]
    return [(np.isnan(t), "target_missing"), (t <= 0, "target_not_positive")]


def _own_parameters(
    setup: MethodSetup[TargetCompletionParams] | MethodSetup[BenchmarkParams],
    v: FloatArray,
    ref: Reference,
) -> dict[str, Param]:
    return params_dict(setup.params)


TARGET: MethodParts[TargetCompletionParams] = MethodParts(
    params_type=TargetCompletionParams,
    setup=_target_setup,
    parameters=_own_parameters,
    inputs=_target_inputs,
    kernel=_k_target,
    extra_reasons=_target_reasons,
    reference="targets",
)


# --------------------------------------------------------------------------- benchmark


def _k_benchmark(
    inp: Mapping[str, FloatArray], p: BenchmarkParams, cat: Category
) -> tuple[FloatArray, FloatArray]:
    v, b = inp["value"], inp["benchmark"]
    higher = p.direction == "higher"
    reached = v >= b if higher else v <= b
    with np.errstate(invalid="ignore", divide="ignore"):
        if p.mode == "proportional":
            frac = np.where(b > 0, v / b if higher else b / v, np.nan)
        else:
            z = float(p.zero_at)  # type: ignore[arg-type]  # linear mode: checked set
            frac = (v - z) / (b - z) if higher else (z - v) / (z - b)
    frac = np.where(reached & ~np.isnan(b), 1.0, frac)
    frac = np.clip(np.where(np.isnan(v) | np.isnan(b), np.nan, frac), 0.0, 1.0)
    return np.asarray(frac, dtype=np.float64), np.asarray(p.full_points * frac, dtype=np.float64)


def benchmark_score(
    values: ArrayLike | GrowthRate,
    benchmark: ArrayLike,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    mode: BenchmarkMode = "proportional",
    zero_at: float | None = None,
    warn: bool = True,
) -> IndicatorScore:
    """Distance to a benchmark (标杆值): full points at or beyond it, less below.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    benchmark : float or array_like, shape (U,)
        Benchmark value, e.g. the figure of the benchmark city (对标城市).
    full_points : float
        Points at or beyond the benchmark.
    direction : {"higher", "lower"}
        Which values are better; "beyond" means above (higher) or below (lower).
    mode : {"proportional", "linear"}
        Short of the benchmark. ``"proportional"`` (default): points ``full * value /
        benchmark`` (lower: ``full * benchmark / value``); needs a positive benchmark, else
        NaN with reason ``benchmark_not_positive``. ``"linear"``: points fall linearly from
        ``full`` at the benchmark to 0 at ``zero_at`` (required; below every benchmark for
        higher-is-better, above for lower-is-better).
    zero_at : float, optional
        Value scoring 0 in linear mode.
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        ``raw`` is the share of full points in ``[0, 1]``.
    """
    params = BenchmarkParams(
        full_points=full_points, direction=direction, mode=mode, zero_at=zero_at
    )
    return score_category(BENCHMARK, values, benchmark, params, warn=warn)


def _benchmark_setup(p: BenchmarkParams) -> MethodSetup[BenchmarkParams]:
    if p.mode == "proportional":
        short = "value / benchmark" if p.direction == "higher" else "benchmark / value"
    else:
        short = (
            "(value - zero_at) / (benchmark - zero_at)"
            if p.direction == "higher"
            else "(zero_at - value) / (zero_at - benchmark)"
        )
    formula = f"points = full_points * (1 if benchmark reached else clip({short}, 0, 1))"
    return MethodSetup("benchmark", p.direction, "share_of_full", p.full_points, formula, p)


def _benchmark_parameters(
    setup: MethodSetup[BenchmarkParams], v: FloatArray, ref: Reference
) -> dict[str, Param]:
    z = setup.params.zero_at
    if z is not None:
        assert ref is not None
        fb = ref[~np.isnan(ref)]
        higher = setup.direction == "higher"
        if (higher and (fb <= z).any()) or (not higher and (fb >= z).any()):
            raise ValueError(
                f"zero_at {z:g} must lie {'below' if higher else 'above'} every benchmark"
            )
    return params_dict(setup.params)


def _benchmark_inputs(
    setup: MethodSetup[BenchmarkParams], v: FloatArray, ref: Reference
) -> dict[str, FloatArray]:
    assert ref is not None
    return {"benchmark": ref}


def _benchmark_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], p: BenchmarkParams, cat: Category
) -> ReasonRules:
    b = inputs["benchmark"]
    return [
        (np.isnan(b), "benchmark_missing"),
        ((b <= 0) & (p.mode == "proportional"), "benchmark_not_positive"),
    ]


BENCHMARK: MethodParts[BenchmarkParams] = MethodParts(
    params_type=BenchmarkParams,
    setup=_benchmark_setup,
    parameters=_benchmark_parameters,
    inputs=_benchmark_inputs,
    kernel=_k_benchmark,
    extra_reasons=_benchmark_reasons,
    reference="benchmark",
)
