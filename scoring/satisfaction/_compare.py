"""Significance of the comparisons an office reads, with multiplicity adjustment, and the
reliability of an estimate (coefficient of variation, Kish design effect).

Every comparison is between independent estimates that each carry a standard error and
degrees of freedom (the Welch-Satterthwaite df of a combined score, ``n_eff - 1`` of a cell;
``inf`` for a normal reference): the difference's standard error is the root of the summed
variances and its df Welch-Satterthwaite's, so the test is Welch's t test from summary
statistics (``scipy.stats.ttest_ind_from_stats(equal_var=False)`` when each ``se`` is
``s / sqrt(n)`` with ``df = n - 1``), and a z test when every df is infinite.

A unit is compared with the *rest* of its category (the plain mean of the other units'
scores), not with the category mean: the category mean contains the unit itself, so the two
would be correlated and the unit would be tested partly against itself; the rest is
independent of it and has a known variance, ``sum_j se_j^2 / (K-1)^2``.

All functions work on whole arrays (units x groups, units x pairs) without Python loops over
units, so the flags cost a few array operations at thousands of units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from scoring._common import FloatArray, IntArray, StrArray, frozen_array

PAdjustMethod = Literal["holm", "bonferroni", "fdr_bh", "none"]
Reliability = Literal["reliable", "caution", "not_reliable", ""]

# Defaults of the policy: a CV above 0.3 is "not reliable" (US NCHS presentation standards
# and most statistics offices flag at 0.3); between 0.15 and 0.3 "use with caution"
# (Statistics Canada's band starts at 0.166, rounded down here). A Kish design effect above
# 2 halves the effective sample and is worth a reader's notice.
DEFAULT_ALPHA = 0.05
DEFAULT_CV_CAUTION = 0.15
DEFAULT_CV_UNRELIABLE = 0.3
DEFAULT_DEFF_FLAG = 2.0

TEST_FORMULA = (
    "difference d = a - b of independent estimates; se(d) = sqrt(se_a^2 + se_b^2); "
    "df = Welch-Satterthwaite (se_a^2 + se_b^2)^2 / (se_a^4/df_a + se_b^4/df_b) (score: the "
    "Satterthwaite df of the combined score; group: n_eff - 1; z test when both df are "
    "infinite); t = d/se(d); p two-sided. Unit vs category: the unit against the plain mean "
    "of the other units' scores in its category (independent of the unit), var = "
    "sum_j se_j^2/(K-1)^2."
)
ADJUST_NAMES: dict[str, str] = {
    "holm": "Holm step-down (family-wise error)",
    "bonferroni": "Bonferroni (family-wise error)",
    "fdr_bh": "Benjamini-Hochberg (false discovery rate)",
    "none": "no adjustment",
}


@dataclass(frozen=True, eq=False)
class Comparison:
    """Tests of ``a - b`` for arrays of independent estimates (all fields share one shape).

    Attributes
    ----------
    difference : ndarray of float
        ``a - b``, in the estimates' units (points for scores). NaN where either is missing.
    se : ndarray of float
        Standard error of the difference.
    df : ndarray of float
        Welch-Satterthwaite degrees of freedom; ``inf`` for a z test.
    statistic : ndarray of float
        ``difference / se``; NaN when ``se`` is 0 or undefined.
    p_value : ndarray of float
        Two-sided p-value, unadjusted; NaN where the test is undefined.
    """

    difference: FloatArray
    se: FloatArray
    df: FloatArray
    statistic: FloatArray
    p_value: FloatArray


def _floats(values: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {values!r:.80}") from exc
    return arr


def _df_or_inf(df: ArrayLike | None, shape: tuple[int, ...]) -> FloatArray:
    """Degrees of freedom; None means a normal reference (infinite df)."""
    if df is None:
        return np.full(shape, np.inf)
    arr = np.broadcast_to(_floats(df, "df"), shape).astype(np.float64)
    return arr


def _satterthwaite(parts: list[tuple[FloatArray, FloatArray]]) -> FloatArray:
    """``(sum v)^2 / sum(v^2 / df)`` over variance terms ``v`` with df; a term with infinite
    df adds nothing to the denominator, all infinite gives ``inf``; NaN if a df <= 0."""
    total = sum(v for v, _ in parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = sum(np.where(np.isinf(d), 0.0, v * v / d) for v, d in parts)
        nu = np.where(denominator > 0, total * total / denominator, np.inf)
    bad = np.zeros(np.shape(total), dtype=bool)
    for v, d in parts:
        bad |= (v > 0) & ~(d > 0)  # NaN or non-positive df where the term counts
    return np.where(bad, np.nan, nu)


def _two_sided_p(statistic: FloatArray, df: FloatArray) -> FloatArray:
    t = -np.abs(statistic)
    with np.errstate(invalid="ignore"):
        p = np.where(np.isinf(df), 2.0 * special.ndtr(t), 2.0 * special.stdtr(df, t))
    return np.asarray(np.where(np.isnan(statistic) | np.isnan(df), np.nan, p), dtype=np.float64)


def _test(difference: FloatArray, var_parts: list[tuple[FloatArray, FloatArray]]) -> Comparison:
    variance = sum(v for v, _ in var_parts)
    se = np.sqrt(np.asarray(variance, dtype=np.float64))
    df = _satterthwaite(var_parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, difference / se, np.nan)
    statistic = np.where(np.isnan(difference), np.nan, statistic)
    return Comparison(
        difference=frozen_array(difference),
        se=frozen_array(se),
        df=frozen_array(np.where(np.isnan(statistic), np.nan, df)),
        statistic=frozen_array(statistic),
        p_value=frozen_array(_two_sided_p(statistic, df)),
    )


def compare_estimates(
    a: ArrayLike,
    se_a: ArrayLike,
    b: ArrayLike,
    se_b: ArrayLike,
    *,
    df_a: ArrayLike | None = None,
    df_b: ArrayLike | None = None,
) -> Comparison:
    """Welch's test of ``a - b`` for independent estimates with standard errors.

    Parameters
    ----------
    a, se_a, b, se_b : array_like, broadcastable to one shape
        Estimates and their standard errors (points, or shares); NaN for missing.
    df_a, df_b : array_like, optional
        Degrees of freedom of each standard error (``inf`` or None: known variance, z test).

    Returns
    -------
    Comparison
        NaN where an estimate or standard error is missing, where both standard errors are 0
        (identical answers: no test), or where a df is not positive.

    Examples
    --------
    This year 82.0 (se 2.0, df 40) against last year 75.0 (se 2.5, df 30): d = 7,
    se = sqrt(4 + 6.25) = 3.2016, t = 2.186.
    """
    arrays = np.broadcast_arrays(
        _floats(a, "a"), _floats(se_a, "se_a"), _floats(b, "b"), _floats(se_b, "se_b")
    )
    x, sx, y, sy = (np.asarray(v, dtype=np.float64) for v in arrays)
    if (sx < 0).any() or (sy < 0).any():
        raise ValueError("standard errors must be non-negative")
    shape = x.shape
    return _test(
        x - y,
        [(sx * sx, _df_or_inf(df_a, shape)), (sy * sy, _df_or_inf(df_b, shape))],
    )


def compare_with_rest(
    score: ArrayLike, se: ArrayLike, category: ArrayLike, *, df: ArrayLike | None = None
) -> Comparison:
    """Each unit against the plain mean of the other scored units of its category.

    Parameters
    ----------
    score, se : array_like, shape (U,)
        Units' scores and standard errors; NaN for units without a score (they are neither
        tested nor part of any rest).
    category : array_like, shape (U,)
        Category label of each unit; units are compared only inside their category.
    df : array_like, shape (U,), optional
        Degrees of freedom of each unit's standard error (None or ``inf``: z test).

    Returns
    -------
    Comparison, shape (U,)
        ``difference = score_i - mean_{j != i} score_j`` with ``se^2 = se_i^2 +
        sum_{j != i} se_j^2 / (K-1)^2`` (K scored units in the category) and the
        Welch-Satterthwaite df over all K terms. NaN for a unit alone in its category.
    """
    s = _floats(score, "score")
    e = _floats(se, "se")
    if s.ndim != 1 or e.shape != s.shape:
        raise ValueError("score and se must be 1-D arrays of one length")
    labels = np.asarray(category)
    if labels.shape != s.shape:
        raise ValueError("category must have the length of score")
    d = _df_or_inf(df, s.shape)
    scored = ~np.isnan(s) & ~np.isnan(e)
    _, inverse = np.unique(labels, return_inverse=True)
    code = inverse.reshape(-1)
    size = int(code.max()) + 1 if code.size else 0

    def per_category(values: FloatArray) -> FloatArray:
        sums = np.asarray(np.bincount(code, weights=values, minlength=size), dtype=np.float64)
        return sums[code]

    k = per_category(scored.astype(np.float64))
    s0 = np.where(scored, s, 0.0)
    v0 = np.where(scored, e * e, 0.0)
    others = k - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        rest_mean = (per_category(s0) - s0) / others
        rest_var = (per_category(v0) - v0) / (others * others)
        # Satterthwaite's denominator over the other units' terms (se_j^2/(K-1)^2)^2 / df_j.
        term = np.where(scored & np.isfinite(d), (v0 * v0) / d, 0.0)
        bad_df = (scored & (v0 > 0) & ~(d > 0)).astype(np.float64)
        rest_denominator = (per_category(term) - term) / others**4
        rest_bad = per_category(bad_df) - bad_df
        rest_df = np.where(
            rest_bad > 0,
            np.nan,
            np.where(rest_denominator > 0, rest_var * rest_var / rest_denominator, np.inf),
        )
    ok = scored & (others >= 1)
    difference = np.where(ok, s - rest_mean, np.nan)
    return _test(difference, [(np.where(ok, v0, np.nan), d), (rest_var, rest_df)])


def group_pairs(groups: int) -> tuple[IntArray, IntArray]:
    """Indices ``(first, second)`` of every unordered pair of ``groups`` groups, in the
    order (0,1), (0,2), ..., (1,2), ... ."""
    first, second = np.triu_indices(groups, k=1)
    return first.astype(np.intp), second.astype(np.intp)


def compare_group_pairs(mean: ArrayLike, se: ArrayLike, df: ArrayLike | None = None) -> Comparison:
    """Every pair of respondent groups within each unit, ``mean[:, g] - mean[:, h]``.

    Parameters
    ----------
    mean, se : array_like, shape (U, G)
        Group means and standard errors per unit; NaN for groups not to compare (too few
        answers, suppressed).
    df : array_like, shape (U, G), optional
        Degrees of freedom of each cell (``n_eff - 1``).

    Returns
    -------
    Comparison, shape (U, P)
        One column per pair of :func:`group_pairs` ``(G)``.
    """
    m = _floats(mean, "mean")
    s = _floats(se, "se")
    if m.ndim != 2 or s.shape != m.shape:
        raise ValueError("mean and se must have shape (units, groups)")
    d = _df_or_inf(df, m.shape)
    first, second = group_pairs(m.shape[1])
    return compare_estimates(
        m[:, first], s[:, first], m[:, second], s[:, second], df_a=d[:, first], df_b=d[:, second]
    )


def adjust_p_values(
    p_values: ArrayLike,
    method: PAdjustMethod = "holm",
    *,
    families: ArrayLike | None = None,
) -> FloatArray:
    """P-values adjusted for the number of tests in their family.

    Parameters
    ----------
    p_values : array_like, shape (..., m)
        Unadjusted p-values; NaN for tests not made (they do not count in the family).
    method : {"holm", "bonferroni", "fdr_bh", "none"}
        Holm's step-down (default), Bonferroni, Benjamini-Hochberg, or none; as
        ``statsmodels.stats.multitest.multipletests``.
    families : array_like, shape (m,), optional
        For a 1-D input, a family label per test (e.g. the category of a unit): each family
        is adjusted on its own. Without it, each row of the last axis is one family.

    Returns
    -------
    ndarray of float, same shape, in [0, 1]; NaN where the input is NaN.
    """
    if method not in get_args(PAdjustMethod):
        raise ValueError(f"method must be one of {get_args(PAdjustMethod)}")
    p = _floats(p_values, "p_values")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    if families is not None:
        return _adjust_by_family(p, method, np.asarray(families))
    if p.ndim == 0:
        return p.copy()
    return _adjust_rows(p.reshape(-1, p.shape[-1]), method).reshape(p.shape)


def _adjust_by_family(p: FloatArray, method: PAdjustMethod, families: np.ndarray) -> FloatArray:
    """Families of unequal size as rows of a NaN-padded matrix, adjusted at once."""
    if p.ndim != 1 or families.shape != p.shape:
        raise ValueError("families needs 1-D p-values and one label per p-value")
    out = np.full(p.shape, np.nan)
    if p.size == 0:
        return out
    _, code = np.unique(families, return_inverse=True)
    code = code.reshape(-1)
    order = np.argsort(code, kind="stable")
    sizes = np.bincount(code)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    column = np.arange(p.size) - starts[code[order]]
    matrix = np.full((sizes.size, int(sizes.max())), np.nan)
    matrix[code[order], column] = p[order]
    adjusted = _adjust_rows(matrix, method)
    out[order] = adjusted[code[order], column]
    return out


def _adjust_rows(p: FloatArray, method: PAdjustMethod) -> FloatArray:
    """Adjust each row of ``p`` (NaN: no test) as one family."""
    if method == "none" or p.size == 0:
        return p.copy()
    tested = ~np.isnan(p)
    m = tested.sum(axis=1, keepdims=True).astype(np.float64)
    if method == "bonferroni":
        return np.where(tested, np.minimum(p * m, 1.0), np.nan)
    # NaN sorts last, so the first m entries of each sorted row are the tests made.
    order = np.argsort(p, axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    k = np.arange(p.shape[1], dtype=np.float64)[None, :]
    valid = k < m
    if method == "holm":
        steps = np.where(valid, (m - k) * ranked, -np.inf)
        adjusted_sorted = np.minimum(np.maximum.accumulate(steps, axis=1), 1.0)
    else:  # fdr_bh: step-up, the running minimum from the largest p-value down
        steps = np.where(valid, ranked * m / (k + 1.0), np.inf)
        adjusted_sorted = np.minimum(np.minimum.accumulate(steps[:, ::-1], axis=1)[:, ::-1], 1.0)
    out = np.empty_like(p)
    np.put_along_axis(out, order, adjusted_sorted, axis=1)
    return np.where(tested, out, np.nan)


def coefficient_of_variation(estimate: ArrayLike, se: ArrayLike) -> FloatArray:
    """``se / |estimate|``; NaN where either is missing or the estimate is 0."""
    x = _floats(estimate, "estimate")
    s = _floats(se, "se")
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(x != 0, s / np.abs(x), np.nan)
    return np.asarray(cv, dtype=np.float64)


def reliability(
    cv: ArrayLike,
    *,
    caution: float = DEFAULT_CV_CAUTION,
    unreliable: float = DEFAULT_CV_UNRELIABLE,
) -> StrArray:
    """``"not_reliable"`` above ``unreliable``, ``"caution"`` above ``caution``, else
    ``"reliable"``; ``""`` where the CV is undefined. Thresholds are shares (0.3 = 30%)."""
    if not 0 <= caution <= unreliable:
        raise ValueError("need 0 <= caution <= unreliable")
    c = _floats(cv, "cv")
    flag = np.where(c > unreliable, "not_reliable", np.where(c > caution, "caution", "reliable"))
    return np.asarray(np.where(np.isnan(c), "", flag), dtype=np.str_)


def kish_design_effect(n: ArrayLike, n_eff: ArrayLike) -> FloatArray:
    """Kish's design effect of weighting, ``n / n_eff`` (1 when unweighted); NaN where
    ``n_eff`` is missing or not positive."""
    count = _floats(n, "n")
    effective = _floats(n_eff, "n_eff")
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(effective > 0, count / effective, np.nan)
    return np.asarray(deff, dtype=np.float64)
