"""Per-cell satisfaction statistics computed from answer counts."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    FloatArray,
    ScoringWarning,
    StrArray,
    as_count_array,
    frozen_array,
    t_critical,
)
from scoring._reasons import Reason
from scoring.satisfaction._intervals import proportion_interval
from scoring.satisfaction._policy import DEFAULT_POLICY, RateCIMethod, SatisfactionPolicy

# Reason codes recorded per cell; an empty string means the statistic is defined.
# no_valid_answers: nothing to average; one_valid_answer and effective_n_too_small (Kish
# n_eff <= 1): spread undefined; identical_answers: sd 0, so the t interval is degenerate;
# too_few_to_trim: n_valid <= 2k leaves nothing after trimming.
NO_VALID_ANSWERS = "no_valid_answers"
ONE_VALID_ANSWER = "one_valid_answer"
EFFECTIVE_N_TOO_SMALL = "effective_n_too_small"
CONSTANT_ANSWERS = "identical_answers"
TOO_FEW_TO_TRIM = "too_few_to_trim"
# On the result when no cell at all has a valid answer (usually a wrong level axis).
NO_CELL_ANSWERED = "no_cell_answered"

UNWEIGHTED_FORMULA = (
    "unweighted: mean = sum(c*x)/n; sd^2 = sum(c*(x-mean)^2)/(n-1); se = sd/sqrt(n); "
    "t interval with df = n-1; rate se = sqrt(p(1-p)/(n-1))"
)
WEIGHTED_FORMULA = (
    "weighted: V1 = sum w, V2 = sum w^2, n_eff = V1^2/V2 (Kish); mean = sum(w*x)/V1; "
    "sd^2 = sum(w*(x-mean)^2)/(V1 - V2/V1); se = sd/sqrt(n_eff); t interval with "
    "df = n_eff-1; rate interval with n = n_eff; rate se = sqrt(p(1-p)/(n_eff-1))"
)


@dataclass(frozen=True, eq=False)
class CellStatistics:
    """Summary statistics for every cell of a counts array.

    All array fields have the leading shape of the counts array (the level axis removed)
    and are read-only.

    Attributes
    ----------
    n_valid : ndarray of float
        Respondents with a scored answer (don't-know excluded).
    n_dont_know : ndarray of float
        Respondents answering don't-know.
    n_eff : ndarray of float
        Kish effective sample size of the valid answers; equals ``n_valid`` when unweighted.
    mean : ndarray of float
        Mean score, points on the policy's scale (0-100). NaN when ``n_valid == 0``.
    sd : ndarray of float
        Sample standard deviation of the scores, points. NaN when undefined (see ``reason``).
    se : ndarray of float
        Standard error of the mean, ``sd / sqrt(n_eff)``, points.
    df : ndarray of float
        Degrees of freedom of the t interval, ``n_eff - 1``; NaN when not positive.
    ci_low, ci_high : ndarray of float
        t confidence interval for the mean, points.
    rate : ndarray of float
        Satisfaction rate: share in [0, 1] of valid answers in a satisfied level.
    rate_ci_low, rate_ci_high : ndarray of float
        Confidence interval for ``rate`` (method in ``rate_ci_method``), shares.
    rate_se : ndarray of float
        Standard error of ``rate``, share: the sample variance of the satisfied indicator
        (1 satisfied, 0 not) over ``n_eff``, ``sqrt(rate (1 - rate) / (n_eff - 1))``, the
        score's formula applied to that indicator. NaN where ``se`` is undefined for want of
        answers (``no_valid_answers``, ``one_valid_answer``, ``effective_n_too_small``).
    trimmed_mean : ndarray of float
        Mean after dropping exactly ``trim_k`` lowest and ``trim_k`` highest ratings, points.
    reason : ndarray of str
        Code of why ``mean``/``sd``/``se``/CI are NaN in that cell (``no_valid_answers``,
        ``one_valid_answer``, ``effective_n_too_small``, ``identical_answers``); empty string
        when all are defined.
    trimmed_reason : ndarray of str
        Code of why ``trimmed_mean`` is NaN (``no_valid_answers``, ``too_few_to_trim``);
        empty string when defined.
    reasons : tuple[Reason, ...]
        Whole-input reasons: ``Reason("no_cell_answered", cells=n)`` when no cell has a valid
        answer; empty otherwise.
    confidence, rate_ci_method, trim_k, weighted, formula
        How the numbers were obtained.
    """

    n_valid: FloatArray
    n_dont_know: FloatArray
    n_eff: FloatArray
    mean: FloatArray
    sd: FloatArray
    se: FloatArray
    df: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    rate: FloatArray
    rate_ci_low: FloatArray
    rate_ci_high: FloatArray
    rate_se: FloatArray
    trimmed_mean: FloatArray
    reason: StrArray
    trimmed_reason: StrArray
    confidence: float
    rate_ci_method: RateCIMethod
    trim_k: int
    weighted: bool
    formula: str
    reasons: tuple[Reason, ...] = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.mean.shape)


def _trimmed_mean(
    counts: FloatArray,
    scores: FloatArray,
    k: int,
    unit_weight: FloatArray | None,
) -> FloatArray:
    """Trimmed mean dropping exactly ``k`` ratings at each end, from counts per level.

    ``counts[..., j]`` respondents rated ``scores[j]``. Sorting the levels by score and
    walking the cumulative counts tells how many of each level's respondents fall among the
    ``k`` lowest and the ``k`` highest; they are removed and the rest averaged. With
    ``unit_weight`` each removed respondent takes the mean weight of its level, because the
    counts no longer say which individual weights sat at the extremes.
    """
    order = np.argsort(scores, kind="stable")
    c = counts[..., order]
    x = scores[order]
    n = c.sum(axis=-1)
    below = np.cumsum(c, axis=-1) - c
    above = np.cumsum(c[..., ::-1], axis=-1)[..., ::-1] - c
    drop_low = np.clip(k - below, 0.0, c)
    drop_high = np.clip(k - above, 0.0, c)
    kept = c - drop_low - drop_high
    mass = kept if unit_weight is None else kept * unit_weight[..., order]
    total = mass.sum(axis=-1)
    ok = n > 2 * k
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (mass * x).sum(axis=-1) / total
    return np.where(ok, value, np.nan)


def cell_statistics(
    counts: ArrayLike,
    policy: SatisfactionPolicy = DEFAULT_POLICY,
    *,
    weight_sums: ArrayLike | None = None,
    weight_sq_sums: ArrayLike | None = None,
    warn: bool = True,
) -> CellStatistics:
    """Summarise answer counts for many cells at once.

    Parameters
    ----------
    counts : array_like, shape (..., L)
        Whole numbers of respondents; ``counts[..., j]`` answered level ``policy.levels[j]``.
        Leading axes are arbitrary, e.g. ``[unit, group, question]``.
    policy : SatisfactionPolicy
        Level scores, satisfied levels, don't-know code, ``trim_k``, ``confidence`` and the
        rate interval method.
    weight_sums : array_like, shape (..., L), optional
        Sum of case weights (e.g. raked weights) of the respondents in each cell and level.
        When given, means, spreads and rates are weighted; counts still decide ``n_valid``
        and which respondents are trimmed.
    weight_sq_sums : array_like, shape (..., L), optional
        Sum of squared case weights per cell and level; required with ``weight_sums`` for the
        Kish effective sample size.
    warn : bool
        Issue a :class:`ScoringWarning` when no cell has a valid answer (default). Services
        pass False and read ``reasons`` from the result.

    Returns
    -------
    CellStatistics
        Arrays of shape ``counts.shape[:-1]``.

    Notes
    -----
    Unweighted, with ``c_j`` respondents at score ``x_j`` and ``n = sum c_j``:
    ``mean = sum c_j x_j / n``, ``sd^2 = sum c_j (x_j - mean)^2 / (n - 1)``,
    ``se = sd / sqrt(n)``, interval ``mean +- t(df = n - 1) * se``.

    Weighted, with ``V1 = sum w``, ``V2 = sum w^2`` over valid answers:
    ``n_eff = V1^2 / V2`` (Kish), ``mean = sum w x / V1``,
    ``sd^2 = sum w (x - mean)^2 / (V1 - V2 / V1)`` (the unbiased "reliability weights"
    variance; it reduces to the unweighted formula for unit weights),
    ``se = sd / sqrt(n_eff)``, interval with ``df = n_eff - 1``. The rate is the weighted
    share and its interval uses ``n_eff`` trials with ``rate * n_eff`` successes.

    Degenerate cells are not an error and do not warn (a large grid always has some): they
    get NaN with the reason in ``reason``/``trimmed_reason``. Cells whose answers are all
    identical keep ``sd = se = 0`` but get a NaN interval, since a zero-width interval would
    claim a certainty that a handful of answers cannot give. Only when no cell at all has a
    valid answer does the function warn (and put ``no_cell_answered`` in ``reasons``),
    because that usually means a wrong level axis.
    """
    if not isinstance(policy, SatisfactionPolicy):
        raise ValueError("policy must be a SatisfactionPolicy")
    c = as_count_array(counts, "counts", integer=True)
    n_levels = len(policy.levels)
    if c.ndim < 1 or c.shape[-1] != n_levels:
        raise ValueError(
            f"counts must have a last axis of length {n_levels} (levels {policy.levels}), "
            f"got shape {c.shape}"
        )
    weighted = weight_sums is not None or weight_sq_sums is not None
    if weighted:
        if weight_sums is None or weight_sq_sums is None:
            raise ValueError("weight_sums and weight_sq_sums must be given together")
        ws = as_count_array(weight_sums, "weight_sums", integer=False)
        ws2 = as_count_array(weight_sq_sums, "weight_sq_sums", integer=False)
        if ws.shape != c.shape or ws2.shape != c.shape:
            raise ValueError(
                f"weight_sums and weight_sq_sums must have the shape of counts {c.shape}"
            )
        if ((c > 0) != (ws > 0)).any() or ((c > 0) != (ws2 > 0)).any():
            raise ValueError(
                "weight_sums and weight_sq_sums must be positive exactly where counts are"
            )

    scores = policy.scores
    valid = ~np.isnan(scores)
    x = scores[valid]
    cv = c[..., valid]
    n_valid = cv.sum(axis=-1)
    n_dont_know = c[..., ~valid].sum(axis=-1)
    sat = policy.satisfied_mask[valid]

    if weighted:
        mass = ws[..., valid]
        v1 = mass.sum(axis=-1)
        v2 = ws2[..., valid].sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(v2 > 0, v1 * v1 / v2, 0.0)
            unit_weight: FloatArray | None = np.where(cv > 0, mass / cv, 0.0)
    else:
        mass = cv
        v1 = n_valid
        n_eff = n_valid
        unit_weight = None

    has_any = n_valid > 0
    present = mass > 0
    top = np.where(present, x, -np.inf).max(axis=-1)
    constant = has_any & (top == np.where(present, x, np.inf).min(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has_any, (mass * x).sum(axis=-1) / v1, np.nan)
        # Identical answers must give exactly their score and zero spread; the generic
        # formula can be off by an ulp for weighted sums and leave a spurious tiny variance.
        mean = np.where(constant, top, mean)
        ss = (mass * (x - mean[..., None]) ** 2).sum(axis=-1)
        ss = np.where(constant, 0.0, ss)
        # n_eff is computed from caller-supplied sums, so for one respondent it can land a
        # hair above 1; the respondent count is the reliable test.
        spread_ok = (n_valid >= 2) & (n_eff > 1)
        var = np.where(spread_ok, ss * n_eff / (v1 * (n_eff - 1.0)), np.nan)
        sd = np.sqrt(var)
        se = np.where(spread_ok, sd / np.sqrt(n_eff), np.nan)
        df = np.where(spread_ok, n_eff - 1.0, np.nan)
        half = t_critical(policy.confidence, df) * se
        ci_ok = spread_ok & ~constant
        ci_low = np.where(ci_ok, mean - half, np.nan)
        ci_high = np.where(ci_ok, mean + half, np.nan)
        rate = np.where(has_any, mass[..., sat].sum(axis=-1) / v1, np.nan)
        # The sample variance of the 0/1 indicator is rate (1 - rate) n_eff / (n_eff - 1), so
        # over n_eff the score and the rate of the same answers get the same kind of error.
        rate_se = np.where(
            spread_ok, np.sqrt(np.clip(rate * (1.0 - rate), 0.0, None) / (n_eff - 1.0)), np.nan
        )

    successes = cv[..., sat].sum(axis=-1) if not weighted else np.nan_to_num(rate) * n_eff
    rate_low, rate_high = proportion_interval(
        successes, n_eff, confidence=policy.confidence, method=policy.rate_ci_method
    )
    trimmed = _trimmed_mean(cv, x, policy.trim_k, unit_weight)

    reason = np.where(
        ~has_any,
        NO_VALID_ANSWERS,
        np.where(
            n_valid < 2,
            ONE_VALID_ANSWER,
            np.where(~spread_ok, EFFECTIVE_N_TOO_SMALL, np.where(constant, CONSTANT_ANSWERS, "")),
        ),
    )
    trimmed_reason = np.where(
        ~has_any, NO_VALID_ANSWERS, np.where(n_valid <= 2 * policy.trim_k, TOO_FEW_TO_TRIM, "")
    )

    reasons: tuple[Reason, ...] = ()
    if n_valid.size > 0 and not has_any.any():
        reasons = (Reason(NO_CELL_ANSWERED, cells=int(n_valid.size)),)
        if warn:
            warnings.warn(
                f"none of the {n_valid.size} cells has a valid answer (all empty or "
                f"don't-know); check that the last axis follows policy.levels {policy.levels} "
                f"[{reasons[0]}]",
                ScoringWarning,
                stacklevel=2,
            )

    return CellStatistics(
        n_valid=frozen_array(n_valid),
        n_dont_know=frozen_array(n_dont_know),
        n_eff=frozen_array(n_eff),
        mean=frozen_array(mean),
        sd=frozen_array(sd),
        se=frozen_array(se),
        df=frozen_array(df),
        ci_low=frozen_array(ci_low),
        ci_high=frozen_array(ci_high),
        rate=frozen_array(rate),
        rate_ci_low=frozen_array(rate_low),
        rate_ci_high=frozen_array(rate_high),
        rate_se=frozen_array(rate_se),
        trimmed_mean=frozen_array(trimmed),
        reason=frozen_array(reason, dtype=np.str_),
        trimmed_reason=frozen_array(trimmed_reason, dtype=np.str_),
        confidence=policy.confidence,
        rate_ci_method=policy.rate_ci_method,
        trim_k=policy.trim_k,
        weighted=weighted,
        formula=WEIGHTED_FORMULA if weighted else UNWEIGHTED_FORMULA,
        reasons=reasons,
    )
