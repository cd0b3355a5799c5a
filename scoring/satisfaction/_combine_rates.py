"""A unit's combined satisfaction rate: the groups' rates weighted like the score.

The rate of each respondent group is a weighted share with the standard error of the sample
variance of the satisfied indicator over the group's Kish effective sample size
(:attr:`CellStatistics.rate_se`), so the rate and the score of the same answers carry the
same kind of error, raking's design effect included. The combination is the score's
stratified estimator; the interval is taken on the combined estimate's own effective sample
size, ``n* = p (1 - p) / var(p)``, as survey statisticians do for a design-based share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    as_float_array,
    check_confidence,
    check_int,
    frozen_array,
    t_critical,
    z_critical,
)
from scoring._reasons import Reason
from scoring.satisfaction._combine import NO_GROUP_LEFT, SE_UNDEFINED, used_groups
from scoring.satisfaction._intervals import proportion_interval
from scoring.satisfaction._policy import RateCIMethod

RATE_FORMULA = (
    "combined rate p = sum W'_h p_h over the groups of the score; var(p_h) = p_h(1-p_h)/"
    "(n_eff_h-1) (sample variance of the satisfied indicator over Kish n_eff); var(p) = "
    "sum W'_h^2 var(p_h); n* = p(1-p)/var(p) (when var(p) = 0: 1/sum W'_h^2/(n_eff_h-1)); "
    "wilson: Wilson score interval with n*; clopper-pearson: Korn-Graubard, Clopper-Pearson "
    "with n* (z/t_df)^2, df by Welch-Satterthwaite over the groups (df_h = n_eff_h-1)"
)


@dataclass(frozen=True, eq=False)
class CombinedRates:
    """Units' satisfaction rates combined over respondent groups (arrays over units).

    Attributes
    ----------
    rate : ndarray of float, shape (U,)
        ``sum_h W'_h p_h``, share in [0, 1]; NaN where no group is used.
    se : ndarray of float, shape (U,)
        ``sqrt(sum_h W'_h^2 var(p_h))``, share; NaN where a used group's error is undefined.
    n_eff : ndarray of float, shape (U,)
        Effective sample size of the combined rate, ``p (1 - p) / se^2`` (see Notes).
    df : ndarray of float, shape (U,)
        Welch-Satterthwaite degrees of freedom over the used groups with a positive variance
        term (``df_h = n_eff_h - 1``); NaN when no term is positive. The Korn-Graubard
        interval uses it (with ``inf``, i.e. no correction, where it is NaN).
    ci_low, ci_high : ndarray of float, shape (U,)
        Interval for ``rate``, shares; NaN where ``se`` is undefined.
    used : ndarray of bool, shape (U, G)
        Groups in each unit's rate: the groups of the score (weight > 0, ``n_valid >= min_n``).
    weights : ndarray of float, shape (U, G)
        Renormalised weights ``W'_h`` of the used groups, 0 elsewhere.
    reason : tuple[str, ...]
        Per unit, why the rate (``no_usable_group``) or its error and interval
        (``se_undefined``) are NaN; empty when defined.
    ci_method, confidence, formula
        How the numbers were obtained.
    reasons : tuple[Reason, ...]
        ``Reason("no_usable_group", units=k, min_n=...)`` when ``k`` units have no rate.
    """

    rate: FloatArray
    se: FloatArray
    n_eff: FloatArray
    df: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    used: BoolArray
    weights: FloatArray
    reason: tuple[str, ...]
    ci_method: RateCIMethod
    confidence: float
    formula: str = RATE_FORMULA
    reasons: tuple[Reason, ...] = ()


def combine_rates(
    rate: ArrayLike,
    rate_se: ArrayLike,
    n_valid: ArrayLike,
    n_eff: ArrayLike,
    group_weights: ArrayLike,
    *,
    min_n: int = 5,
    confidence: float = 0.95,
    ci_method: RateCIMethod = "wilson",
) -> CombinedRates:
    """Combine every unit's group rates into one rate with its error and interval.

    Parameters
    ----------
    rate : array_like, shape (U, G)
        Satisfaction rate per unit and group, share in [0, 1]; NaN where a group has none.
    rate_se : array_like, shape (U, G)
        Standard error of each rate, share (``CellStatistics.rate_se``); NaN where undefined.
    n_valid : array_like, shape (U, G)
        Valid answers per unit and group; groups with fewer than ``min_n`` are not used.
    n_eff : array_like, shape (U, G)
        Kish effective sample size per unit and group (``n_valid`` when unweighted).
    group_weights : array_like, shape (G,) or (U, G)
        The category's group weights ``W_h`` (>= 0), renormalised over the used groups; one
        row per unit when the units belong to different categories.
    min_n : int
        Fewest valid answers for a group to count (default 5), as for the score.
    confidence : float
        Two-sided level (default 0.95).
    ci_method : {"wilson", "clopper-pearson"}
        ``"wilson"``: Wilson score interval with ``n*`` trials and ``p n*`` successes.
        ``"clopper-pearson"``: Korn and Graubard's (1998) interval, Clopper-Pearson with
        ``n* (z / t_df)^2`` trials, ``df`` by Welch-Satterthwaite.

    Returns
    -------
    CombinedRates

    Notes
    -----
    ``n* = p (1 - p) / var(p)`` is the sample size a simple random sample would need for the
    same variance; for one unweighted group it is ``n - 1``, as in R's ``svyciprop``. When
    every used group answered all satisfied or all not (``var(p) = 0``) it is
    ``1 / sum_h W'_h^2 / (n_eff_h - 1)``, the same expression with a common spread, so that
    the interval of a 100% rate is Wilson's (or Clopper-Pearson's) one-sided one rather than
    a single point. Units without a usable group get NaN and the reason, without a warning.
    """
    p = as_float_array(rate, "rate", allow_nan=True)
    s = as_float_array(rate_se, "rate_se", allow_nan=True)
    n = as_float_array(n_valid, "n_valid")
    ne = as_float_array(n_eff, "n_eff")
    w = as_float_array(group_weights, "group_weights")
    if p.ndim != 2:
        raise ValueError(f"rate must have shape (units, groups), got {p.shape}")
    for name, arr in (("rate_se", s), ("n_valid", n), ("n_eff", ne)):
        if arr.shape != p.shape:
            raise ValueError(f"{name} must have shape {p.shape}, got {arr.shape}")
    if w.shape not in ((p.shape[1],), p.shape) or (w < 0).any():
        raise ValueError(
            f"group_weights must be non-negative with shape ({p.shape[1]},) or {p.shape}"
        )
    if (n < 0).any() or (ne < 0).any():
        raise ValueError("n_valid and n_eff must be non-negative")
    min_n = check_int(min_n, "min_n", minimum=1)
    confidence = check_confidence(confidence)
    if ci_method not in ("wilson", "clopper-pearson"):
        raise ValueError(f"ci_method must be 'wilson' or 'clopper-pearson', got {ci_method!r}")

    used = used_groups(n, w, min_n)
    if (used & np.isnan(p)).any():
        raise ValueError("a used group has n_valid >= min_n but a NaN rate")
    if (used & ((p < 0) | (p > 1))).any():
        raise ValueError("rates must be shares in [0, 1]")
    if (used & (s < 0)).any():
        raise ValueError("rate_se must be non-negative")

    wu = np.where(used, w, 0.0)
    total = wu.sum(axis=1)
    any_used = total > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = np.where(any_used[:, None], wu / total[:, None], 0.0)
        combined = np.where(any_used, np.where(used, wn * p, 0.0).sum(axis=1), np.nan)
        parts = np.where(used, wn**2 * s**2, 0.0)
        variance = np.where(any_used, parts.sum(axis=1), np.nan)
        # A used group whose error is undefined (n_eff <= 1) leaves the unit's error undefined.
        undefined = (used & ~np.isfinite(s)).any(axis=1) | ~any_used
        variance = np.where(undefined, np.nan, variance)
        spread = np.clip(combined * (1.0 - combined), 0.0, None)
        common = np.where(used, wn**2 / (ne - 1.0), 0.0).sum(axis=1)
        n_star = np.where(variance > 0, spread / variance, 1.0 / common)
        n_star = np.where(undefined | ~np.isfinite(n_star), np.nan, n_star)
        df = _satterthwaite(parts, used, ne - 1.0)

    defined = np.isfinite(n_star) & (n_star > 0)
    trials = np.where(defined, n_star, 0.0)
    if ci_method == "clopper-pearson":
        z = z_critical(confidence)
        t = np.where(np.isfinite(df) & (df > 0), t_critical(confidence, df), z)
        trials = trials * (z / t) ** 2
    successes = np.clip(np.nan_to_num(combined) * trials, 0.0, trials)
    low, high = proportion_interval(successes, trials, confidence=confidence, method=ci_method)
    low = np.where(defined, low, np.nan)
    high = np.where(defined, high, np.nan)

    reason = tuple(
        NO_GROUP_LEFT if not any_used[u] else (SE_UNDEFINED if not defined[u] else "")
        for u in range(p.shape[0])
    )
    unrated = int((~any_used).sum())
    return CombinedRates(
        rate=frozen_array(combined),
        se=frozen_array(np.sqrt(variance)),
        n_eff=frozen_array(n_star),
        df=frozen_array(df),
        ci_low=frozen_array(low),
        ci_high=frozen_array(high),
        used=frozen_array(used, dtype=np.bool_),
        weights=frozen_array(wn),
        reason=reason,
        ci_method=ci_method,
        confidence=confidence,
        reasons=(Reason(NO_GROUP_LEFT, units=unrated, min_n=min_n),) if unrated else (),
    )


def _satterthwaite(parts: FloatArray, used: BoolArray, df_groups: FloatArray) -> FloatArray:
    """``(sum a_h)^2 / sum(a_h^2 / df_h)`` over the groups with a positive term, per unit."""
    contributing = used & (parts > 0)
    largest = np.where(contributing, parts, 0.0).max(axis=1, initial=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Scaled by the largest term so that squaring tiny variances cannot underflow.
        rel = np.where(contributing, parts / largest[:, None], 0.0)
        terms = np.where(contributing, rel**2 / df_groups, 0.0)
        nu = rel.sum(axis=1) ** 2 / terms.sum(axis=1)
    bad = (contributing & ~(df_groups > 0)).any(axis=1) | ~contributing.any(axis=1)
    result: FloatArray = np.where(bad, np.nan, nu)
    return result
