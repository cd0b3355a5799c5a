"""Design-based (Taylor linearisation) estimators of weighted means and totals.

They exist to check the weighting machinery against an established implementation
(R ``survey``): stratified and one-stage cluster samples with finite population correction,
and the calibration-aware standard error after raking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, IntArray, as_float_array

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
