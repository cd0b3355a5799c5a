"""The methods by name: scoring by checked parameters, scale, speed and quality combined into
one indicator, and the recomputation of one unit's points from an explanation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, frozen_array
from scoring.composite._base import (
    check_number,
    check_sums_to_one,
    frozen_map,
    frozen_params,
    vector,
)
from scoring.composite._indicator import (
    GrowthRate,
    IndicatorScore,
    MethodParts,
    growth_kernel,
    score_category,
)
from scoring.composite._method_range import EFFICACY, MIN_MAX, Z_SCORE
from scoring.composite._method_rank import RANK
from scoring.composite._method_reference import BENCHMARK, TARGET
from scoring.composite._params import MethodParams

# Method name (as IndicatorScore.method gives it) -> its steps.
METHOD_PARTS: dict[str, MethodParts[Any]] = {
    "target_completion": TARGET,
    "efficacy_coefficient": EFFICACY,
    "min_max": MIN_MAX,
    "z_score": Z_SCORE,
    "rank_points": RANK,
    "benchmark": BENCHMARK,
}


def scale_speed_quality(
    scale: IndicatorScore,
    speed: IndicatorScore,
    quality: IndicatorScore,
    *,
    weights: Sequence[float],
    full_points: float = 100.0,
) -> IndicatorScore:
    """One indicator scored on scale, speed and quality (规模 / 速度 / 质量).

    Parameters
    ----------
    scale, speed, quality : IndicatorScore
        Sub-scores over the same units, each computed by any method, e.g. scale by
        :func:`rank_points` of the level, speed from a :class:`GrowthRate`, quality from a
        ratio such as the tax share of fiscal revenue.
    weights : sequence of 3 float
        Sub-weights of scale, speed and quality; non-negative, summing to 1.
    full_points : float
        Points of the indicator.

    Returns
    -------
    IndicatorScore
        ``points = full_points * sum_k w_k * points_k / max_points_k``; ``raw`` is that sum
        of weighted shares in ``[0, 1]``; ``parts`` holds the three sub-scores. NaN if any
        sub-score is NaN, with reason ``scale_missing``, ``speed_missing`` or
        ``quality_missing`` (the sub-score's own reason is on the part). The sub-scores
        warned already: this result adds no reasons of its own.
    """
    subs = (scale, speed, quality)
    if not all(isinstance(s, IndicatorScore) for s in subs):
        raise ValueError("scale, speed and quality must be IndicatorScore results")
    n = scale.n_units
    if speed.n_units != n or quality.n_units != n:
        raise ValueError("scale, speed and quality must cover the same units")
    w = vector(list(weights), "weights", allow_nan=False)
    if w.size != 3:
        raise ValueError(f"weights must hold 3 values (scale, speed, quality), got {w.size}")
    check_sums_to_one(w, "weights")
    full = check_number(full_points, "full_points", minimum=0.0, strict_min=True)
    names = ("scale", "speed", "quality")
    parts = tuple((nm, float(wk), s) for nm, wk, s in zip(names, w, subs, strict=True))
    raw, pts = _combine_parts([(wk, s.points, s.max_points) for _, wk, s in parts], full)
    reason = np.full(n, "", dtype=object)
    for nm, _, sub in reversed(parts):
        reason[np.isnan(sub.points)] = f"{nm}_missing"
    return IndicatorScore(
        points=frozen_array(pts),
        raw=frozen_array(raw),
        raw_name="weighted_share",
        max_points=full,
        method="scale_speed_quality",
        direction="higher",
        formula=(
            "points = full_points * sum_k weight_k * points_k / max_points_k "
            "(k = scale, speed, quality)"
        ),
        parameters=frozen_params({"full_points": full, "weights": tuple(float(x) for x in w)}),
        inputs=frozen_map({}),
        reason=frozen_array(reason.astype(str), dtype=np.str_),
        parts=parts,
    )


def _combine_parts(
    parts: Sequence[tuple[float, FloatArray, float]], full: float
) -> tuple[FloatArray, FloatArray]:
    share = sum(w * np.asarray(p, dtype=np.float64) / m for w, p, m in parts)
    share_arr = np.asarray(share, dtype=np.float64)
    return share_arr, np.asarray(full * share_arr, dtype=np.float64)


def recompute_growth(e: Mapping[str, Any]) -> float:
    inp = e["inputs"]
    cur = np.array([float(inp["current"])])
    prev = np.array([float(inp["previous"])])
    return float(growth_kernel(cur, prev, str(e["parameters"]["rule"]))[0])


def recompute_indicator(e: Mapping[str, Any]) -> float:
    """Points of one unit from an :meth:`IndicatorScore.explain` dictionary."""
    method = e["method"]
    if method == "scale_speed_quality":
        parts = [
            (
                float(p["weight"]),
                np.array([recompute_indicator(p["detail"])]),
                float(p["detail"]["max_points"]),
            )
            for p in e["parts"]
        ]
        return float(_combine_parts(parts, float(e["parameters"]["full_points"]))[1][0])
    if method not in METHOD_PARTS:
        raise ValueError(f"unknown indicator method {method!r}")
    method_parts = METHOD_PARTS[method]
    inputs = {k: np.array([float(v)]) for k, v in e["inputs"].items()}
    if "growth" in e:
        inputs["value"] = np.array([recompute_growth(e["growth"])])
    category = dict(e["parameters"])
    category.setdefault("direction", e.get("direction", "higher"))
    # The category-level quantities (bounds, mean and deviation) go to the kernel beside the
    # parameters; the parameters' given bounds are not needed to recompute.
    names = {f.name for f in fields(method_parts.params_type)} - set(method_parts.row_keys)
    params = method_parts.params_type(**{k: v for k, v in category.items() if k in names})
    return float(method_parts.kernel(inputs, params, category)[1][0])


def score_indicator(
    params: MethodParams,
    values: ArrayLike | GrowthRate,
    reference: ArrayLike | None = None,
    *,
    warn: bool = True,
) -> IndicatorScore:
    """Score one category's values by the method its checked parameters name.

    Parameters
    ----------
    params : MethodParams
        E.g. ``TargetCompletionParams(cap=1.2)``; the method follows from the type.
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    reference : float or array_like, shape (U,), optional
        Targets (target completion) or benchmarks (benchmark); no other method takes one.
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        What the method's one-category function returns for the same parameters.
    """
    parts = METHOD_PARTS[params.method]
    if (parts.reference is None) != (reference is None):
        need = "needs a reference" if reference is None else "takes no reference"
        raise ValueError(f"method {params.method!r} {need} (targets or benchmarks)")
    return score_category(parts, values, reference, params, warn=warn)
