"""Methods that place each value within the category's spread: the efficacy coefficient
(功效系数), min-max normalisation and the z-score."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray
from scoring.composite._base import Direction, Param, check_number
from scoring.composite._indicator import (
    Category,
    GrowthRate,
    IndicatorScore,
    MethodParts,
    MethodSetup,
    ReasonRules,
    Reference,
    each,
    no_inputs,
    score_category,
)
from scoring.composite._params import (
    EfficacyParams,
    MinMaxParams,
    ZeroRange,
    ZeroSpread,
    ZScoreParams,
)


def _category_bounds(
    v: FloatArray,
    direction: Direction,
    best: float | None,
    worst: float | None,
    names: tuple[str, str],
) -> tuple[float, float, str]:
    """The best and worst values: given, or the category's max/min (by direction)."""
    finite = v[~np.isnan(v)]
    top = float(finite.max()) if finite.size else math.nan
    bottom = float(finite.min()) if finite.size else math.nan
    hi_is_best = direction == "higher"
    b = check_number(best, names[0]) if best is not None else (top if hi_is_best else bottom)
    w = check_number(worst, names[1]) if worst is not None else (bottom if hi_is_best else top)
    best_src = "given" if best is not None else "category " + ("max" if hi_is_best else "min")
    worst_src = "given" if worst is not None else "category " + ("min" if hi_is_best else "max")
    source = f"{names[0]} {best_src}, {names[1]} {worst_src}"
    if not (math.isnan(b) or math.isnan(w)) and b != w and (b > w) != hi_is_best:
        raise ValueError(
            f"{names[0]} {b:g} must be {'above' if hi_is_best else 'below'} {names[1]} {w:g} "
            f"when {direction} values are better"
        )
    if best is not None and worst is not None and b == w:
        raise ValueError(f"{names[0]} and {names[1]} must differ, both are {b:g}")
    return b, w, source


# --------------------------------------------------------------------------- efficacy


def _k_efficacy(
    inp: Mapping[str, FloatArray], p: EfficacyParams, cat: Category
) -> tuple[FloatArray, FloatArray]:
    v = inp["value"]
    sat, unsat = each(cat, "satisfactory"), each(cat, "unsatisfactory")
    base, span = p.base, p.span
    # No range (bounds equal or unknown): the top score under zero_range "full", else NaN.
    flat = (sat == unsat) | np.isnan(sat) | np.isnan(unsat)
    fill = np.where((sat == unsat) & (p.zero_range == "full"), 1.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((v - unsat) / (sat - unsat), 0.0, 1.0)
    frac = np.where(flat, fill, frac)
    frac = np.where(np.isnan(v), np.nan, frac)
    eff = base + span * frac
    return np.asarray(eff, dtype=np.float64), np.asarray(
        p.full_points * eff / (base + span), dtype=np.float64
    )


def efficacy_coefficient(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    satisfactory: float | None = None,
    unsatisfactory: float | None = None,
    base: float = 60.0,
    span: float = 40.0,
    zero_range: ZeroRange = "nan",
    warn: bool = True,
) -> IndicatorScore:
    """Efficacy coefficient (功效系数): ``base + span * (x - x_unsat) / (x_sat - x_unsat)``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    full_points : float
        Points for an efficacy score of ``base + span`` (> 0).
    direction : {"higher", "lower"}
        Which values are better.
    satisfactory, unsatisfactory : float, optional
        The value scoring ``base + span`` (满意值) and the value scoring ``base`` (不允许值).
        Default: the category's best and worst value (max and min for higher-is-better,
        min and max for lower-is-better). For higher-is-better ``satisfactory`` must be
        above ``unsatisfactory``, for lower-is-better below.
    base, span : float
        Efficacy score of the unsatisfactory value and the rise to the satisfactory one
        (default 60 and 40, the classic 60-100 scale).
    zero_range : {"nan", "full"}
        When the bounds taken from the category coincide (every unit has the same value):
        ``"nan"`` (default) gives NaN points with reason ``no_range``, ``"full"`` gives
        every unit the top efficacy score.
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        ``raw`` is the efficacy score, clipped to ``[base, base + span]``; points are
        ``full_points * efficacy / (base + span)``.
    """
    params = EfficacyParams(
        full_points=full_points,
        direction=direction,
        satisfactory=satisfactory,
        unsatisfactory=unsatisfactory,
        base=base,
        span=span,
        zero_range=zero_range,
    )
    return score_category(EFFICACY, values, None, params, warn=warn)


def _efficacy_setup(p: EfficacyParams) -> MethodSetup[EfficacyParams]:
    formula = (
        "efficacy = base + span * clip((x - unsatisfactory) / (satisfactory - "
        "unsatisfactory), 0, 1); points = full_points * efficacy / (base + span)"
    )
    return MethodSetup("efficacy_coefficient", p.direction, "efficacy", p.full_points, formula, p)


def _efficacy_parameters(
    setup: MethodSetup[EfficacyParams], v: FloatArray, ref: Reference
) -> dict[str, Param]:
    p = setup.params
    sat, unsat, source = _category_bounds(
        v, p.direction, p.satisfactory, p.unsatisfactory, ("satisfactory", "unsatisfactory")
    )
    return {
        "full_points": p.full_points,
        "satisfactory": sat,
        "unsatisfactory": unsat,
        "bounds_source": source,
        "base": p.base,
        "span": p.span,
        "zero_range": p.zero_range,
    }


def _efficacy_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], p: EfficacyParams, cat: Category
) -> ReasonRules:
    sat, unsat = float(cat["satisfactory"]), float(cat["unsatisfactory"])
    return [(np.full(v.size, sat == unsat or math.isnan(sat)), "no_range")]


EFFICACY: MethodParts[EfficacyParams] = MethodParts(
    params_type=EfficacyParams,
    setup=_efficacy_setup,
    parameters=_efficacy_parameters,
    inputs=no_inputs,
    kernel=_k_efficacy,
    extra_reasons=_efficacy_reasons,
    reference=None,
    row_keys=("satisfactory", "unsatisfactory"),
)


# --------------------------------------------------------------------------- min-max


def _k_min_max(
    inp: Mapping[str, FloatArray], p: MinMaxParams, cat: Category
) -> tuple[FloatArray, FloatArray]:
    v = inp["value"]
    lo, hi = each(cat, "low"), each(cat, "high")
    lo_pts = p.min_points
    # No range (bounds equal or unknown): full points under zero_range "full", else NaN.
    flat = (lo == hi) | np.isnan(lo) | np.isnan(hi)
    fill = np.where((lo == hi) & (p.zero_range == "full"), 1.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (v - lo) / (hi - lo) if p.direction == "higher" else (hi - v) / (hi - lo)
    frac = np.where(flat, fill, np.clip(frac, 0.0, 1.0))
    frac = np.where(np.isnan(v), np.nan, frac)
    return np.asarray(frac, dtype=np.float64), np.asarray(
        lo_pts + (p.full_points - lo_pts) * frac, dtype=np.float64
    )


def min_max_score(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    min_points: float = 0.0,
    direction: Direction = "higher",
    low: float | None = None,
    high: float | None = None,
    zero_range: ZeroRange = "nan",
    warn: bool = True,
) -> IndicatorScore:
    """Min-max normalisation: the best value gets ``full_points``, the worst ``min_points``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing).
    full_points, min_points : float
        Points of the best and of the worst value, ``0 <= min_points < full_points``.
    direction : {"higher", "lower"}
        Which values are better.
    low, high : float, optional
        The value range (``low < high``); default the category's min and max. Values
        outside a given range are clipped to it.
    zero_range : {"nan", "full"}
        When ``low == high`` from the category (all values equal): NaN with reason
        ``no_range`` (default) or full points for all.
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        ``raw`` is the normalised value in ``[0, 1]`` (1 = best); points
        ``min_points + (full_points - min_points) * raw``.
    """
    params = MinMaxParams(
        full_points=full_points,
        min_points=min_points,
        direction=direction,
        low=low,
        high=high,
        zero_range=zero_range,
    )
    return score_category(MIN_MAX, values, None, params, warn=warn)


def _min_max_setup(p: MinMaxParams) -> MethodSetup[MinMaxParams]:
    worst = "high" if p.direction == "lower" else "low"
    formula = (
        f"raw = clip(|x - {worst}| / (high - low), 0, 1); "
        "points = min_points + (full_points - min_points) * raw"
    )
    return MethodSetup("min_max", p.direction, "normalised", p.full_points, formula, p)


def _min_max_parameters(
    setup: MethodSetup[MinMaxParams], v: FloatArray, ref: Reference
) -> dict[str, Param]:
    p = setup.params
    finite = v[~np.isnan(v)]
    lo = p.low if p.low is not None else (float(finite.min()) if finite.size else math.nan)
    hi = p.high if p.high is not None else (float(finite.max()) if finite.size else math.nan)
    if not (math.isnan(lo) or math.isnan(hi)) and lo > hi:
        raise ValueError(f"low {lo:g} must not exceed high {hi:g} (one bound given, one taken)")
    low_src = "given" if p.low is not None else "category min"
    high_src = "given" if p.high is not None else "category max"
    return {
        "full_points": p.full_points,
        "min_points": p.min_points,
        "direction": p.direction,
        "low": lo,
        "high": hi,
        "bounds_source": f"low {low_src}, high {high_src}",
        "zero_range": p.zero_range,
    }


def _min_max_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], p: MinMaxParams, cat: Category
) -> ReasonRules:
    lo, hi = float(cat["low"]), float(cat["high"])
    return [(np.full(v.size, lo == hi or math.isnan(lo)), "no_range")]


MIN_MAX: MethodParts[MinMaxParams] = MethodParts(
    params_type=MinMaxParams,
    setup=_min_max_setup,
    parameters=_min_max_parameters,
    inputs=no_inputs,
    kernel=_k_min_max,
    extra_reasons=_min_max_reasons,
    reference=None,
    row_keys=("low", "high"),
)


# --------------------------------------------------------------------------- z-score


def _k_z(
    inp: Mapping[str, FloatArray], p: ZScoreParams, cat: Category
) -> tuple[FloatArray, FloatArray]:
    v = inp["value"]
    mean, sd = each(cat, "mean"), each(cat, "sd")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (v - mean) / sd
    if p.direction == "lower":
        z = -z
    # No spread (sd 0 or unknown): z = 0 under zero_spread "center" (sd exactly 0), else NaN.
    fill = np.where((sd == 0) & (p.zero_spread == "center"), 0.0, np.nan)
    z = np.where(sd > 0, z, fill)
    z = np.where(np.isnan(v), np.nan, z)
    score = np.clip(p.center + p.spread * z, p.clip_low, p.clip_high)
    return np.asarray(score, dtype=np.float64), np.asarray(
        p.full_points * score / p.scale_max, dtype=np.float64
    )


def z_score(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    center: float = 80.0,
    spread: float = 10.0,
    clip_low: float = 0.0,
    clip_high: float = 100.0,
    scale_max: float = 100.0,
    ddof: int = 0,
    zero_spread: ZeroSpread = "nan",
    warn: bool = True,
) -> IndicatorScore:
    """Z-score normalisation mapped to points: ``clip(center + spread * z, clip_low, clip_high)``.

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values (NaN = missing, left out of the mean and standard deviation).
    full_points : float
        Points of a transformed score equal to ``scale_max``.
    direction : {"higher", "lower"}
        For lower-is-better the sign of ``z`` is flipped.
    center, spread : float
        The transform: a unit at the mean scores ``center``, one standard deviation better
        ``center + spread`` (default 80 + 10 z).
    clip_low, clip_high : float
        Bounds of the transformed score, ``0 <= clip_low < clip_high <= scale_max``.
    scale_max : float
        Top of the transformed scale (default 100); points = ``full_points * score /
        scale_max``.
    ddof : int
        0 (default, population standard deviation) or 1 (sample).
    zero_spread : {"nan", "center"}
        Standard deviation 0 (all values equal) or undefined: NaN with reason ``no_spread``
        (default), or ``"center"``: z = 0 for all (only when the deviation is exactly 0).
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        ``raw`` is the transformed score; ``parameters`` record the mean and deviation.
    """
    params = ZScoreParams(
        full_points=full_points,
        direction=direction,
        center=center,
        spread=spread,
        clip_low=clip_low,
        clip_high=clip_high,
        scale_max=scale_max,
        ddof=ddof,
        zero_spread=zero_spread,
    )
    return score_category(Z_SCORE, values, None, params, warn=warn)


def _z_setup(p: ZScoreParams) -> MethodSetup[ZScoreParams]:
    sign = "" if p.direction == "higher" else "-"
    formula = (
        f"z = {sign}(x - mean) / sd (ddof {p.ddof}); score = clip(center + spread * z, "
        "clip_low, clip_high); points = full_points * score / scale_max"
    )
    max_points = p.full_points * p.clip_high / p.scale_max
    return MethodSetup("z_score", p.direction, "transformed_z", max_points, formula, p)


def _z_parameters(
    setup: MethodSetup[ZScoreParams], v: FloatArray, ref: Reference
) -> dict[str, Param]:
    p = setup.params
    finite = v[~np.isnan(v)]
    mean = float(finite.mean()) if finite.size else math.nan
    sd = float(finite.std(ddof=p.ddof)) if finite.size > p.ddof else math.nan
    return {
        "full_points": p.full_points,
        "direction": p.direction,
        "mean": mean,
        "sd": sd,
        "ddof": p.ddof,
        "n_values": int(finite.size),
        "center": p.center,
        "spread": p.spread,
        "clip_low": p.clip_low,
        "clip_high": p.clip_high,
        "scale_max": p.scale_max,
        "zero_spread": p.zero_spread,
    }


def _z_reasons(
    v: FloatArray, inputs: Mapping[str, FloatArray], p: ZScoreParams, cat: Category
) -> ReasonRules:
    sd = float(cat["sd"])
    return [(np.full(v.size, not sd > 0), "no_spread")]


Z_SCORE: MethodParts[ZScoreParams] = MethodParts(
    params_type=ZScoreParams,
    setup=_z_setup,
    parameters=_z_parameters,
    inputs=no_inputs,
    kernel=_k_z,
    extra_reasons=_z_reasons,
    reference=None,
    row_keys=("mean", "sd"),
)
