"""A unit's combined score: a stratified estimator over respondent groups."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    ScoringWarning,
    StrArray,
    as_float_array,
    check_confidence,
    check_int,
    frozen_array,
    labels_tuple,
    t_critical,
    z_critical,
)
from scoring._reasons import Reason
from scoring.satisfaction._cells import cell_statistics
from scoring.satisfaction._policy import DEFAULT_POLICY, SatisfactionPolicy

CombineCIMethod = Literal["satterthwaite", "normal"]

# Reason codes. A group is dropped for zero_weight or below_min_n (fewer than min_n valid
# answers). A unit's score is NaN for no_usable_group (no group with weight > 0 and
# n_valid >= min_n); its interval for se_undefined (a used group has fewer than 2 answers)
# or zero_spread (every used group has zero spread, so the interval is degenerate).
ZERO_WEIGHT = "zero_weight"
BELOW_MIN_N = "below_min_n"
NO_GROUP_LEFT = "no_usable_group"
SE_UNDEFINED = "se_undefined"
ZERO_VARIANCE = "zero_spread"


@dataclass(frozen=True)
class DroppedGroup:
    """A respondent group left out of a unit's combined score; ``reason`` is its code,
    ``zero_weight`` or ``below_min_n``."""

    group: str
    n_valid: float
    reason: str


@dataclass(frozen=True)
class CombinedScore:
    """A unit's score combined over respondent groups.

    Attributes
    ----------
    score : float
        ``sum_h W'_h * mean_h`` over the used groups, points (0-100); NaN if no group is used.
    se : float
        ``sqrt(sum_h W'_h^2 * se_h^2)`` with ``se_h = s_h / sqrt(n_h)``, points.
    ci_low, ci_high : float
        Confidence interval for ``score``, points.
    df : float
        Satterthwaite degrees of freedom (``inf`` for the normal interval).
    confidence : float
        Two-sided level of the interval.
    ci_method : str
        How the interval was built.
    groups_used : tuple[str, ...]
        Groups in the score, in input order.
    weights_used : tuple[float, ...]
        Renormalised weights ``W'_h`` of ``groups_used``; they sum to 1.
    groups_dropped : tuple[DroppedGroup, ...]
        Groups left out, with the reason code (``zero_weight``, ``below_min_n``).
    min_n : int
        Threshold applied.
    reason : str
        Code of why ``score``/``se``/interval are NaN (``no_usable_group``, ``se_undefined``,
        ``zero_spread``); empty when all are defined.
    reasons : tuple[Reason, ...]
        The same as data with its parameters, e.g. ``Reason("no_usable_group", min_n=5)``.
    """

    score: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    confidence: float
    ci_method: str
    groups_used: tuple[str, ...]
    weights_used: tuple[float, ...]
    groups_dropped: tuple[DroppedGroup, ...]
    min_n: int
    reason: str
    reasons: tuple[Reason, ...] = ()


def used_groups(n_valid: FloatArray, group_weights: FloatArray, min_n: int) -> BoolArray:
    """Which groups enter a score: positive weight and at least ``min_n`` valid answers."""
    return (group_weights > 0) & (n_valid >= min_n)


def combine_means(means: FloatArray, used: BoolArray, group_weights: FloatArray) -> FloatArray:
    """Vectorised ``sum_h W'_h mean_h`` over the last axis, NaN where no group is used.

    ``means`` has shape ``(..., G)`` and ``used`` broadcasts to it; unused entries may be NaN.
    """
    w = np.where(used, group_weights, 0.0)
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(used, means * w, 0.0).sum(axis=-1) / total
    return np.where(total > 0, weighted, np.nan)


def combine_groups(
    mean: ArrayLike,
    se: ArrayLike,
    n_valid: ArrayLike,
    group_weights: ArrayLike,
    *,
    df: ArrayLike | None = None,
    group_labels: ArrayLike | None = None,
    min_n: int = 5,
    confidence: float = 0.95,
    ci_method: CombineCIMethod = "satterthwaite",
    warn: bool = True,
) -> CombinedScore:
    """Combine one unit's per-group means into a single score.

    Parameters
    ----------
    mean : array_like, shape (G,)
        Mean score per respondent group, points. May be NaN for groups that will be dropped.
    se : array_like, shape (G,)
        Standard error of each mean, points (``s_h / sqrt(n_h)``).
    n_valid : array_like, shape (G,)
        Valid answers per group; groups with fewer than ``min_n`` are dropped.
    group_weights : array_like, shape (G,)
        Group weights ``W_h`` (>= 0) for the unit's category; any positive scale, they are
        renormalised over the groups used. Weight 0 means the group never counts.
    df : array_like, shape (G,), optional
        Degrees of freedom per group for Satterthwaite; default ``n_valid - 1`` (pass
        ``n_eff - 1`` for weighted data).
    group_labels : array_like, shape (G,), optional
        Names for the result; default ``"0"``, ``"1"``, ...
    min_n : int
        Minimum valid answers for a group to be used (default 5).
    confidence : float
        Two-sided level (default 0.95).
    ci_method : {"satterthwaite", "normal"}
        ``"satterthwaite"`` (default): ``score +- t(nu) * se`` with Welch-Satterthwaite
        ``nu = (sum a_h)^2 / sum(a_h^2 / df_h)``, ``a_h = W'_h^2 se_h^2``; it widens the
        interval when one small group carries the variance. ``"normal"``: ``z`` quantile.
    warn : bool
        Issue a :class:`ScoringWarning` when no group is left (default); services pass False
        and read ``reasons``.

    Returns
    -------
    CombinedScore

    Notes
    -----
    The score is computed from the used groups alone, in input order, so adding or removing
    a group that is dropped leaves it bit-for-bit unchanged. When no group is left the score
    is NaN with ``Reason("no_usable_group", min_n=...)`` (and a :class:`ScoringWarning`).
    """
    m = as_float_array(mean, "mean", allow_nan=True)
    s = as_float_array(se, "se", allow_nan=True)
    n = as_float_array(n_valid, "n_valid")
    w = as_float_array(group_weights, "group_weights")
    if m.ndim != 1 or m.size == 0:
        raise ValueError(f"mean must be a non-empty 1-D array over groups, got shape {m.shape}")
    size = m.size
    for name, arr in (("se", s), ("n_valid", n), ("group_weights", w)):
        if arr.shape != (size,):
            raise ValueError(f"{name} must have shape ({size},), got {arr.shape}")
    if (w < 0).any():
        raise ValueError("group_weights must be non-negative")
    if (n < 0).any():
        raise ValueError("n_valid must be non-negative")
    if df is None:
        dfs = n - 1.0
    else:
        dfs = as_float_array(df, "df", allow_nan=True)
        if dfs.shape != (size,):
            raise ValueError(f"df must have shape ({size},), got {dfs.shape}")
    labels = labels_tuple(group_labels, size, "group_labels")
    min_n = check_int(min_n, "min_n", minimum=1)
    confidence = check_confidence(confidence)
    if ci_method not in get_args(CombineCIMethod):
        raise ValueError(f"ci_method must be one of {get_args(CombineCIMethod)}")

    used = used_groups(n, w, min_n)
    bad_mean = used & np.isnan(m)
    if bad_mean.any():
        raise ValueError(
            f"groups {[labels[i] for i in np.flatnonzero(bad_mean)]} have n_valid >= min_n "
            "but a NaN mean"
        )
    if (used & (s < 0)).any():
        raise ValueError("se must be non-negative")
    dropped = tuple(
        DroppedGroup(
            group=labels[i],
            n_valid=float(n[i]),
            reason=ZERO_WEIGHT if w[i] <= 0 else BELOW_MIN_N,
        )
        for i in range(size)
        if not used[i]
    )
    method_text = (
        f"t interval, Welch-Satterthwaite df, level {confidence:g}"
        if ci_method == "satterthwaite"
        else f"normal interval, level {confidence:g}"
    )
    if not used.any():
        none_left = Reason(NO_GROUP_LEFT, min_n=min_n)
        if warn:
            warnings.warn(
                "no respondent group can be scored (no group with weight > 0 and n_valid >= "
                f"min_n, min_n = {min_n}); the unit's score is NaN [{none_left}]",
                ScoringWarning,
                stacklevel=2,
            )
        return CombinedScore(
            score=math.nan,
            se=math.nan,
            ci_low=math.nan,
            ci_high=math.nan,
            df=math.nan,
            confidence=confidence,
            ci_method=method_text,
            groups_used=(),
            weights_used=(),
            groups_dropped=dropped,
            min_n=min_n,
            reason=NO_GROUP_LEFT,
            reasons=(none_left,),
        )

    # Work on the compressed arrays so that dropped groups cannot touch the arithmetic.
    mu, su, wu, dfu = m[used], s[used], w[used], dfs[used]
    wn = wu / wu.sum()
    score = float(np.sum(wn * mu))
    parts = wn**2 * su**2
    variance = float(np.sum(parts))
    se_total = math.sqrt(variance) if math.isfinite(variance) else math.nan
    reason = ""
    if not math.isfinite(variance):
        reason = SE_UNDEFINED
        nu = math.nan
    elif variance == 0.0:
        reason = ZERO_VARIANCE
        nu = math.nan
    elif ci_method == "normal":
        nu = math.inf
    else:
        contributing = parts > 0
        if (dfu[contributing] <= 0).any() or np.isnan(dfu[contributing]).any():
            nu = math.nan
            reason = SE_UNDEFINED
        else:
            # Scaled by the largest term so that squaring tiny variances cannot underflow.
            rel = parts[contributing] / parts[contributing].max()
            nu = float(rel.sum() ** 2 / np.sum(rel**2 / dfu[contributing]))
    if reason:
        low = high = math.nan
    else:
        q = (
            z_critical(confidence)
            if ci_method == "normal"
            else float(t_critical(confidence, np.array([nu]))[0])
        )
        low, high = score - q * se_total, score + q * se_total
    return CombinedScore(
        score=score,
        se=se_total,
        ci_low=low,
        ci_high=high,
        df=nu,
        confidence=confidence,
        ci_method=method_text,
        groups_used=tuple(labels[i] for i in np.flatnonzero(used)),
        weights_used=tuple(float(v) for v in wn),
        groups_dropped=dropped,
        min_n=min_n,
        reason=reason,
        reasons=(Reason(reason),) if reason else (),
    )


@dataclass(frozen=True, eq=False)
class CombinedScores:
    """Many units' scores combined over the same respondent groups (arrays over units).

    Attributes
    ----------
    score, se, ci_low, ci_high, df : ndarray of float, shape (U,)
        As in :class:`CombinedScore`, per unit; NaN where undefined.
    used : ndarray of bool, shape (U, G)
        Groups in each unit's score.
    weights : ndarray of float, shape (U, G)
        Renormalised weights ``W'_h`` of the used groups, 0 elsewhere.
    reason : tuple[str, ...]
        Per unit, the code of why its score, standard error or interval is NaN (as in
        :class:`CombinedScore`); empty when defined.
    drop_reason : ndarray of str, shape (U, G)
        Code of why a group that has a positive weight or answers is not in the unit's score
        (``zero_weight``, ``below_min_n``); empty for used groups and for groups with neither.
    reasons : tuple[Reason, ...]
        ``Reason("no_usable_group", units=k, min_n=...)`` when ``k`` units have no score.
    """

    score: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    df: FloatArray
    used: BoolArray
    weights: FloatArray
    reason: tuple[str, ...]
    drop_reason: StrArray
    reasons: tuple[Reason, ...] = ()


def combine_groups_many(
    mean: ArrayLike,
    se: ArrayLike,
    n_valid: ArrayLike,
    group_weights: ArrayLike,
    *,
    df: ArrayLike | None = None,
    min_n: int = 5,
    confidence: float = 0.95,
    ci_method: CombineCIMethod = "satterthwaite",
) -> CombinedScores:
    """:func:`combine_groups` for every row of ``(U, G)`` arrays at once, with the same results.

    Each unit's numbers equal ``combine_groups`` on its row bit for bit: units that use the
    same groups share the renormalised weights, and every sum runs over the used groups of
    one row, in input order. Raises ValueError where ``combine_groups`` would (a used group
    with a NaN mean or a negative standard error). Units without a usable group get NaN
    and the reason, without a warning.
    """
    m = as_float_array(mean, "mean", allow_nan=True)
    s = as_float_array(se, "se", allow_nan=True)
    n = as_float_array(n_valid, "n_valid")
    w = as_float_array(group_weights, "group_weights")
    if m.ndim != 2 or m.shape[1] == 0:
        raise ValueError(f"mean must have shape (units, groups), got {m.shape}")
    for name, arr in (("se", s), ("n_valid", n)):
        if arr.shape != m.shape:
            raise ValueError(f"{name} must have shape {m.shape}, got {arr.shape}")
    if w.shape != (m.shape[1],) or (w < 0).any():
        raise ValueError(f"group_weights must be non-negative with shape ({m.shape[1]},)")
    if (n < 0).any():
        raise ValueError("n_valid must be non-negative")
    dfs = n - 1.0 if df is None else as_float_array(df, "df", allow_nan=True)
    if dfs.shape != m.shape:
        raise ValueError(f"df must have shape {m.shape}, got {dfs.shape}")
    min_n = check_int(min_n, "min_n", minimum=1)
    confidence = check_confidence(confidence)
    if ci_method not in get_args(CombineCIMethod):
        raise ValueError(f"ci_method must be one of {get_args(CombineCIMethod)}")

    used = used_groups(n, w, min_n)
    if (used & np.isnan(m)).any():
        raise ValueError("a used group has n_valid >= min_n but a NaN mean")
    if (used & (s < 0)).any():
        raise ValueError("se must be non-negative")
    units = m.shape[0]
    score, se_total, nu = np.full(units, np.nan), np.full(units, np.nan), np.full(units, np.nan)
    weights = np.zeros(m.shape)
    reason = [NO_GROUP_LEFT] * units
    patterns: dict[bytes, list[int]] = {}
    for row, pattern in enumerate(used):
        if pattern.any():
            patterns.setdefault(pattern.tobytes(), []).append(row)
    for rows in patterns.values():
        cols = np.flatnonzero(used[rows[0]])
        block = np.ix_(np.array(rows, dtype=np.intp), cols)
        wu = w[cols]
        wn = wu / wu.sum()
        weights[block] = wn
        # Row sums of C-contiguous blocks: the same pairwise sums as combine_groups' np.sum
        # over one unit's compressed arrays.
        score[rows] = np.sum(wn * m[block], axis=1)
        parts = np.ascontiguousarray(wn**2 * s[block] ** 2)
        variance = np.sum(parts, axis=1)
        se_total[rows] = np.where(np.isfinite(variance), np.sqrt(variance), np.nan)
        for r, row in enumerate(rows):
            reason[row], nu[row] = _interval_df(
                parts[r], float(variance[r]), dfs[row, cols], ci_method
            )
    defined = np.array([not r for r in reason], dtype=np.bool_)
    if ci_method == "normal":
        q = np.full(units, z_critical(confidence))
    else:
        q = t_critical(confidence, np.where(defined, nu, np.nan))
    low = np.where(defined, score - q * se_total, np.nan)
    high = np.where(defined, score + q * se_total, np.nan)
    # Reported as dropped: groups that could count (positive weight) or that answered.
    drop_reason = np.where(
        ((w > 0) | (n > 0)) & ~used, np.where(w > 0, BELOW_MIN_N, ZERO_WEIGHT), ""
    )
    unscored = sum(1 for r in reason if r == NO_GROUP_LEFT)
    return CombinedScores(
        score=frozen_array(score),
        se=frozen_array(se_total),
        ci_low=frozen_array(low),
        ci_high=frozen_array(high),
        df=frozen_array(nu),
        used=frozen_array(used, dtype=np.bool_),
        weights=frozen_array(weights),
        reason=tuple(reason),
        drop_reason=frozen_array(drop_reason, dtype=np.str_),
        reasons=(Reason(NO_GROUP_LEFT, units=unscored, min_n=min_n),) if unscored else (),
    )


def _interval_df(
    parts: FloatArray, variance: float, dfu: FloatArray, ci_method: CombineCIMethod
) -> tuple[str, float]:
    """``combine_groups``' reason and degrees of freedom for one unit's used groups."""
    if not math.isfinite(variance):
        return SE_UNDEFINED, math.nan
    if variance == 0.0:
        return ZERO_VARIANCE, math.nan
    if ci_method == "normal":
        return "", math.inf
    contributing = parts > 0
    if (dfu[contributing] <= 0).any() or np.isnan(dfu[contributing]).any():
        return SE_UNDEFINED, math.nan
    rel = parts[contributing] / parts[contributing].max()
    return "", float(rel.sum() ** 2 / np.sum(rel**2 / dfu[contributing]))


def unit_score(
    counts: ArrayLike,
    group_weights: ArrayLike,
    policy: SatisfactionPolicy = DEFAULT_POLICY,
    *,
    group_labels: ArrayLike | None = None,
    weight_sums: ArrayLike | None = None,
    weight_sq_sums: ArrayLike | None = None,
    ci_method: CombineCIMethod = "satterthwaite",
    warn: bool = True,
) -> CombinedScore:
    """Score one unit from its answer counts per respondent group.

    Parameters
    ----------
    counts : array_like, shape (G, L)
        Respondents per group and level (level axis as ``policy.levels``).
    group_weights : array_like, shape (G,)
        Group weights ``W_h`` of the unit's category.
    policy : SatisfactionPolicy
        Supplies level scores, ``min_n`` and ``confidence``.
    group_labels : array_like, shape (G,), optional
        Group names for the result.
    weight_sums, weight_sq_sums : array_like, shape (G, L), optional
        Case-weight sums for weighted scoring, as in :func:`cell_statistics`.
    ci_method : {"satterthwaite", "normal"}
        Interval for the combined score, see :func:`combine_groups`.
    warn : bool
        As in :func:`combine_groups`.

    Returns
    -------
    CombinedScore
    """
    c = np.asarray(counts)
    if c.ndim != 2:
        raise ValueError(f"counts must have shape (groups, levels), got {c.shape}")
    # An all-empty unit is reported once, by combine_groups, not twice.
    stats = cell_statistics(
        c, policy, weight_sums=weight_sums, weight_sq_sums=weight_sq_sums, warn=False
    )
    return combine_groups(
        stats.mean,
        stats.se,
        stats.n_valid,
        group_weights,
        df=stats.df,
        group_labels=group_labels,
        min_n=policy.min_n,
        confidence=policy.confidence,
        ci_method=ci_method,
        warn=warn,
    )
