"""Design-based (Taylor linearisation) estimators of weighted means and totals.

They exist to check the weighting machinery against an established implementation
(R ``survey``): stratified and one-stage cluster samples with finite population correction,
and the calibration-aware standard error after raking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, IntArray, as_float_array, frozen_array, t_critical
from scoring.satisfaction._cells import CellStatistics

Statistic = Literal["mean", "total"]


@dataclass(frozen=True)
class DesignEstimate:
    """A weighted estimate with its design-based standard error.

    Attributes
    ----------
    estimate : float
        Weighted mean ``sum w y / sum w`` or total ``sum w y``, in the units of ``y``.
    se : float
        Linearised standard error, units of ``y``.
    variance : float
        ``se ** 2``.
    df : int
        Design degrees of freedom: number of PSUs minus number of strata.
    n : int
        Observations.
    n_psu, n_strata : int
        Primary sampling units and strata.
    statistic : {"mean", "total"}
    calibrated : bool
        Whether the variance uses calibration (raking) residuals.
    method : str
        The variance formula in words.
    """

    estimate: float
    se: float
    variance: float
    df: int
    n: int
    n_psu: int
    n_strata: int
    statistic: Statistic
    calibrated: bool
    method: str


def _factorize(labels: ArrayLike, name: str, n: int) -> IntArray:
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    try:
        _, inverse = np.unique(arr, return_inverse=True)
    except TypeError:
        seen: dict[object, int] = {}
        inverse = np.array([seen.setdefault(v, len(seen)) for v in arr.tolist()])
    return np.asarray(inverse, dtype=np.intp).reshape(-1)


def _calibration_residuals(
    y: FloatArray, base: FloatArray, margins: Mapping[str, ArrayLike]
) -> FloatArray:
    """Residuals of the base-weighted least-squares regression of ``y`` on margin dummies.

    The dummies of every category of every margin span the intercept, so no column is
    dropped; ``lstsq`` copes with the resulting rank deficiency and the residuals are unique.
    """
    n = y.size
    columns = []
    for name, labels in margins.items():
        codes = _factorize(labels, f"calibration_margins[{name!r}]", n)
        columns.append(np.eye(int(codes.max()) + 1)[codes])
    x = np.concatenate(columns, axis=1)
    root = np.sqrt(base)
    beta = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
    return np.asarray(y - x @ beta, dtype=np.float64)


def _estimate(
    statistic: Statistic,
    y: ArrayLike,
    weights: ArrayLike,
    strata: ArrayLike | None,
    clusters: ArrayLike | None,
    fpc: ArrayLike | None,
    calibration_margins: Mapping[str, ArrayLike] | None,
    base_weights: ArrayLike | None,
) -> DesignEstimate:
    yy = as_float_array(y, "y")
    w = as_float_array(weights, "weights")
    if yy.ndim != 1 or yy.size < 2:
        raise ValueError(f"y must be 1-D with at least 2 observations, got shape {yy.shape}")
    n = yy.size
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},), got {w.shape}")
    if (w <= 0).any():
        raise ValueError("weights must be positive")
    stratum = np.zeros(n, dtype=np.intp) if strata is None else _factorize(strata, "strata", n)
    cluster = np.arange(n) if clusters is None else _factorize(clusters, "clusters", n)
    # PSU ids are nested in strata: the same cluster label in two strata is two PSUs.
    psu = _factorize(stratum * (int(cluster.max()) + 1) + cluster, "clusters", n)
    n_strata = int(stratum.max()) + 1
    n_psu = int(psu.max()) + 1
    psu_stratum = np.zeros(n_psu, dtype=np.intp)
    psu_stratum[psu] = stratum
    n_h = np.bincount(psu_stratum, minlength=n_strata).astype(np.float64)

    if fpc is None:
        finite = np.ones(n_strata)
    else:
        pop = as_float_array(fpc, "fpc")
        if pop.shape != (n,):
            raise ValueError(f"fpc must have shape ({n},), got {pop.shape}")
        pop_h = np.zeros(n_strata)
        pop_h[stratum] = pop
        if not np.array_equal(pop_h[stratum], pop):
            raise ValueError("fpc must be constant within each stratum")
        if (pop_h < n_h).any():
            raise ValueError(
                "fpc is the population number of PSUs per stratum and cannot be smaller than "
                "the sampled number"
            )
        finite = 1.0 - n_h / pop_h
    lonely = (n_h < 2) & (finite > 0)
    if lonely.any():
        raise ValueError(
            f"{int(lonely.sum())} stratum/strata have a single PSU: variance not estimable"
        )

    total_w = float(w.sum())
    point = float(np.sum(w * yy))
    estimate = point / total_w if statistic == "mean" else point
    calibrated = calibration_margins is not None
    if calibrated:
        assert calibration_margins is not None
        if base_weights is None:
            raise ValueError("base_weights (the weights before raking) are needed to calibrate")
        base = as_float_array(base_weights, "base_weights")
        if base.shape != (n,) or (base <= 0).any():
            raise ValueError(f"base_weights must be positive with shape ({n},)")
        if not calibration_margins:
            raise ValueError("calibration_margins must name at least one margin")
        resid = _calibration_residuals(yy, base, calibration_margins)
    elif statistic == "mean":
        resid = yy - estimate
    else:
        resid = yy
    z = w * resid / total_w if statistic == "mean" else w * resid

    psu_total = np.bincount(psu, weights=z, minlength=n_psu)
    stratum_mean = np.bincount(psu_stratum, weights=psu_total, minlength=n_strata) / n_h
    dev2 = np.bincount(
        psu_stratum, weights=(psu_total - stratum_mean[psu_stratum]) ** 2, minlength=n_strata
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        per_stratum = np.where(n_h > 1, finite * n_h / (n_h - 1.0) * dev2, 0.0)
    variance = float(per_stratum.sum())
    method = (
        "Taylor linearisation, with-replacement PSUs within strata"
        + (", finite population correction 1 - n_h/N_h" if fpc is not None else "")
        + (
            "; influence values are g-weighted residuals of the base-weighted regression "
            "on the raking margins"
            if calibrated
            else ""
        )
    )
    return DesignEstimate(
        estimate=estimate,
        se=math.sqrt(variance),
        variance=variance,
        df=n_psu - n_strata,
        n=n,
        n_psu=n_psu,
        n_strata=n_strata,
        statistic=statistic,
        calibrated=calibrated,
        method=method,
    )


def design_mean(
    y: ArrayLike,
    weights: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    clusters: ArrayLike | None = None,
    fpc: ArrayLike | None = None,
    calibration_margins: Mapping[str, ArrayLike] | None = None,
    base_weights: ArrayLike | None = None,
) -> DesignEstimate:
    """Weighted mean with its linearised design-based standard error.

    The estimator is the ratio ``sum w y / sum w``; its influence values are
    ``z_i = w_i (y_i - mean) / sum w`` (or ``w_i e_i / sum w`` when calibrated), totalled
    per PSU, and ``var = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)^2``.

    Parameters
    ----------
    y : array_like, shape (n,)
        Variable of interest.
    weights : array_like, shape (n,)
        Sampling weights, or raked weights when ``calibration_margins`` is given.
    strata : array_like, shape (n,), optional
        Stratum label of each observation; default one stratum.
    clusters : array_like, shape (n,), optional
        Primary sampling unit (cluster) label; default each observation is its own PSU.
        Clusters are nested in strata.
    fpc : array_like, shape (n,), optional
        Population number of PSUs in the observation's stratum (R ``survey``'s ``fpc``);
        gives the factor ``1 - n_h / N_h``. Default: no correction.
    calibration_margins : Mapping[str, array_like of shape (n,)], optional
        The margins the weights were raked to. The variance then uses the residuals
        ``e = y - X b`` of the regression of ``y`` on all margin dummies ``X`` weighted by
        ``base_weights``, multiplied by the raked weights (the g-weighted residuals of the
        GREG linearisation of Deville and Sarndal).
    base_weights : array_like, shape (n,), optional
        Weights before raking; required with ``calibration_margins``.

    Returns
    -------
    DesignEstimate
    """
    return _estimate("mean", y, weights, strata, clusters, fpc, calibration_margins, base_weights)


def design_total(
    y: ArrayLike,
    weights: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    clusters: ArrayLike | None = None,
    fpc: ArrayLike | None = None,
    calibration_margins: Mapping[str, ArrayLike] | None = None,
    base_weights: ArrayLike | None = None,
) -> DesignEstimate:
    """Weighted total ``sum w y`` with its linearised design-based standard error.

    Influence values are ``z_i = w_i y_i`` (``w_i e_i`` when calibrated); the variance
    formula is the one of :func:`design_mean`.

    Parameters
    ----------
    y : array_like, shape (n,)
        Variable of interest.
    weights : array_like, shape (n,)
        Sampling weights, or raked weights when ``calibration_margins`` is given.
    strata : array_like, shape (n,), optional
        Stratum label of each observation; default one stratum.
    clusters : array_like, shape (n,), optional
        Primary sampling unit (cluster) label; default each observation is its own PSU.
        Clusters are nested in strata.
    fpc : array_like, shape (n,), optional
        Population number of PSUs in the observation's stratum (R ``survey``'s ``fpc``);
        gives the factor ``1 - n_h / N_h``. Default: no correction.
    calibration_margins : Mapping[str, array_like of shape (n,)], optional
        The margins the weights were raked to. The variance then uses the residuals
        ``e = y - X b`` of the regression of ``y`` on all margin dummies ``X`` weighted by
        ``base_weights``, multiplied by the raked weights (the g-weighted residuals of the
        GREG linearisation of Deville and Sarndal).
    base_weights : array_like, shape (n,), optional
        Weights before raking; required with ``calibration_margins``.

    Returns
    -------
    DesignEstimate
    """
    return _estimate("total", y, weights, strata, clusters, fpc, calibration_margins, base_weights)


@dataclass(frozen=True, eq=False)
class DomainDesignEstimates:
    """Weighted means of many domains (units) of one sample, with linearised variances.

    Attributes
    ----------
    estimate, variance, se : ndarray of float, shape (D,)
        Weighted mean per domain, its design-based variance and standard error (units of
        ``y``); NaN for a domain without weight.
    df : int
        Design degrees of freedom: PSUs minus strata of the whole sample.
    n_psu, n_strata : int
        PSUs (answers counted singly where no PSU is given) and strata of the sample.
    calibrated : bool
        Whether the influence values are calibration residuals.
    method : str
        The variance formula in words.
    """

    estimate: FloatArray
    variance: FloatArray
    se: FloatArray
    df: int
    n_psu: int
    n_strata: int
    calibrated: bool
    method: str


@dataclass(frozen=True)
class Calibration:
    """How a sample's weights were raked: per row its weighting cell, per cell its raking
    factor ``g`` (final weight = base weight x g) and its dummies on the margins' categories
    (a zero row for a cell the margins do not cover)."""

    cell: ArrayLike
    factor: ArrayLike
    dummies: ArrayLike


def domain_design_means(
    domain: ArrayLike,
    y: ArrayLike,
    weight_sum: ArrayLike,
    weight_sq_sum: ArrayLike,
    count: ArrayLike,
    stratum: ArrayLike,
    psu: ArrayLike,
    *,
    n_domains: int,
    finite: ArrayLike | None = None,
    calibration: Calibration | None = None,
) -> DomainDesignEstimates:
    """Domain means and their Taylor-linearised variances from sufficient statistics.

    The rows are groups of observations sharing a domain, a value of ``y``, a stratum, a
    PSU and (when calibrated) a weighting cell, as a SQL ``GROUP BY`` returns them: no
    observation need be loaded. The sample is the whole set of rows; a domain's influence
    values are zero outside it (and, when calibrated, minus the fitted margin effect), so
    that PSUs without the domain count in each stratum as R ``survey``'s ``svyby`` counts them.

    Parameters
    ----------
    domain : array_like of int, shape (R,)
        Domain of each row, ``0 .. n_domains - 1``.
    y : array_like, shape (R,)
        The value shared by the row's observations.
    weight_sum, weight_sq_sum : array_like, shape (R,)
        Sum of the final weights and of their squares over the row's observations.
    count : array_like, shape (R,)
        Observations in the row.
    stratum : array_like of int, shape (R,)
        Stratum index ``0 .. H - 1``.
    psu : array_like of int, shape (R,)
        PSU index (unique over strata), or -1 where each observation is its own PSU; the
        squared weights then stand in for the PSU totals.
    n_domains : int
    finite : array_like, shape (H,), optional
        ``1 - f_h`` per stratum; default 1 (no finite population correction).
    calibration : Calibration, optional
        The raking of the weights: influence values become g-weighted residuals of the
        base-weighted regression on the margin dummies, as in :func:`design_mean`.

    Returns
    -------
    DomainDesignEstimates
    """
    d = np.asarray(domain, dtype=np.intp).reshape(-1)
    r = d.size
    yy = as_float_array(y, "y")
    sw = as_float_array(weight_sum, "weight_sum")
    sw2 = as_float_array(weight_sq_sum, "weight_sq_sum")
    cnt = as_float_array(count, "count")
    h = np.asarray(stratum, dtype=np.intp).reshape(-1)
    j = np.asarray(psu, dtype=np.intp).reshape(-1)
    for name, arr in (("y", yy), ("weight_sum", sw), ("weight_sq_sum", sw2), ("count", cnt)):
        if arr.shape != (r,):
            raise ValueError(f"{name} must have shape ({r},), got {arr.shape}")
    if h.shape != (r,) or j.shape != (r,):
        raise ValueError(f"stratum and psu must have shape ({r},)")
    if (sw < 0).any() or (sw2 < 0).any():
        raise ValueError("weight sums must be non-negative")
    n_strata = int(h.max()) + 1 if r else 1
    fin = np.ones(n_strata) if finite is None else as_float_array(finite, "finite")
    if fin.shape != (n_strata,):
        raise ValueError(f"finite must have shape ({n_strata},), got {fin.shape}")

    big_w = np.bincount(d, weights=sw, minlength=n_domains)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(d, weights=sw * yy, minlength=n_domains) / big_w
        # Each row's own-domain influence: per unit of weight, and summed over the row.
        own = np.where(big_w[d] > 0, (yy - mean[d]) / big_w[d], 0.0)
    own_sum = sw * own

    clustered = j >= 0
    single = ~clustered
    n_psu_total = int(j.max()) + 1 if clustered.any() else 0
    psu_stratum = np.zeros(n_psu_total, dtype=np.intp)
    psu_stratum[j[clustered]] = h[clustered]
    psu_seen = np.zeros(n_psu_total, dtype=np.bool_)
    psu_seen[j[clustered]] = True
    psus = np.flatnonzero(psu_seen)
    n_h = np.bincount(psu_stratum[psus], minlength=n_strata).astype(np.float64)
    n_h += np.bincount(h[single], weights=cnt[single], minlength=n_strata)

    # PSU totals per domain, (D, J), and the single-observation sums per domain and stratum.
    z_psu = np.zeros((n_domains, n_psu_total))
    np.add.at(z_psu, (d[clustered], j[clustered]), own_sum[clustered])
    s1 = np.zeros((n_domains, n_strata))
    np.add.at(s1, (d[single], h[single]), own_sum[single])
    s2 = np.zeros((n_domains, n_strata))
    np.add.at(s2, (d[single], h[single]), (sw2 * own * own)[single])

    calibrated = calibration is not None
    if calibration is not None:
        cell = np.asarray(calibration.cell, dtype=np.intp).reshape(-1)
        g = as_float_array(calibration.factor, "factor")
        x = as_float_array(calibration.dummies, "dummies")
        n_cells = g.size
        if cell.shape != (r,) or x.ndim != 2 or x.shape[0] != n_cells or (g <= 0).any():
            raise ValueError(
                "calibration must give a cell per row and a factor and dummies per cell"
            )
        base = sw / g[cell]
        base_cell = np.bincount(cell, weights=base, minlength=n_cells)
        gram = (x * base_cell[:, None]).T @ x
        hat = x @ np.linalg.pinv(gram) @ x.T
        t = np.zeros((n_domains, n_cells))
        np.add.at(t, (d, cell), base * own)
        fitted = t @ hat  # (D, C): the margin effect A_c of each domain
        sw_psu_cell = np.zeros((n_psu_total, n_cells))
        np.add.at(sw_psu_cell, (j[clustered], cell[clustered]), sw[clustered])
        z_psu -= fitted @ sw_psu_cell.T
        sw_h_cell = np.zeros((n_strata, n_cells))
        np.add.at(sw_h_cell, (h[single], cell[single]), sw[single])
        sw2_h_cell = np.zeros((n_strata, n_cells))
        np.add.at(sw2_h_cell, (h[single], cell[single]), sw2[single])
        cross = np.zeros((n_domains, n_strata, n_cells))
        np.add.at(cross, (d[single], h[single], cell[single]), (sw2 * own)[single])
        s1 -= fitted @ sw_h_cell.T
        s2 += (fitted * fitted) @ sw2_h_cell.T - 2.0 * np.einsum("dhc,dc->dh", cross, fitted)

    sum_z = (
        s1 + np.stack([z_psu[:, psu_stratum == k].sum(axis=1) for k in range(n_strata)], axis=1)
        if n_psu_total
        else s1
    )
    sum_z2 = (
        s2
        + np.stack([(z_psu[:, psu_stratum == k] ** 2).sum(axis=1) for k in range(n_strata)], axis=1)
        if n_psu_total
        else s2
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n_h > 1, fin * n_h / (n_h - 1.0), 0.0)
        spread = np.where(n_h > 0, sum_z2 - sum_z * sum_z / np.where(n_h > 0, n_h, 1.0), 0.0)
    variance = np.clip((spread * factor).sum(axis=1), 0.0, None)
    variance = np.where(big_w > 0, variance, np.nan)
    n_psu = int(n_h.sum())
    strata_used = int((n_h > 0).sum())
    method = (
        "Taylor linearisation of the domain ratio mean, with-replacement PSUs within strata "
        "(each answer its own PSU where none is given), finite population correction "
        "1 - n_h/N_h where a population is set"
        + (
            "; influence values are g-weighted residuals of the base-weighted regression on "
            "the raking margins (calibration-aware)"
            if calibrated
            else ""
        )
    )
    return DomainDesignEstimates(
        estimate=frozen_array(mean),
        variance=frozen_array(variance),
        se=frozen_array(np.sqrt(variance)),
        df=max(n_psu - strata_used, 0),
        n_psu=n_psu,
        n_strata=strata_used,
        calibrated=calibrated,
        method=method,
    )


DESIGN_FORMULA = (
    "design-based: mean = sum(w*x)/sum(w); se by Taylor linearisation of the ratio mean over "
    "the respondent group's sample (strata, PSUs, finite population correction; calibration "
    "residuals after raking); t interval with df = PSUs - strata; design effect = se^2 / "
    "(sd^2/n)"
)


def with_design_errors(
    stats: CellStatistics,
    se: ArrayLike,
    rate_se: ArrayLike,
    df: ArrayLike,
    replace_mask: ArrayLike,
) -> CellStatistics:
    """Cell statistics whose standard errors, degrees of freedom and mean intervals are the
    design-based ones where ``replace_mask`` is set (and the model-based spread is defined:
    degenerate cells keep their NaN and reason).

    Parameters
    ----------
    stats : CellStatistics
    se, rate_se, df : array_like, shape ``stats.shape``
        Design-based standard errors of the mean (points) and of the rate (share), and the
        design degrees of freedom.
    replace_mask : array_like of bool, shape ``stats.shape``
    """
    mask = np.asarray(replace_mask, dtype=np.bool_) & np.isfinite(stats.se)
    new_se = np.where(mask, np.asarray(se, dtype=np.float64), stats.se)
    new_rate_se = np.where(mask, np.asarray(rate_se, dtype=np.float64), stats.rate_se)
    new_df = np.where(mask, np.asarray(df, dtype=np.float64), stats.df)
    with np.errstate(invalid="ignore"):
        half = t_critical(stats.confidence, np.where(new_df > 0, new_df, np.nan)) * new_se
    ci_ok = mask & np.isfinite(stats.ci_low)
    return replace(
        stats,
        se=frozen_array(new_se),
        rate_se=frozen_array(new_rate_se),
        df=frozen_array(new_df),
        ci_low=frozen_array(np.where(ci_ok, stats.mean - half, stats.ci_low)),
        ci_high=frozen_array(np.where(ci_ok, stats.mean + half, stats.ci_high)),
        formula=stats.formula + "; where a group has a sample design: " + DESIGN_FORMULA,
    )
