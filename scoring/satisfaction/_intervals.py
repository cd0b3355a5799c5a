"""Confidence intervals for shares (satisfaction rates)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from scoring._common import FloatArray, as_float_array, check_confidence, z_critical
from scoring.satisfaction._policy import RateCIMethod


def proportion_interval(
    successes: ArrayLike,
    n: ArrayLike,
    *,
    confidence: float = 0.95,
    method: RateCIMethod = "wilson",
) -> tuple[FloatArray, FloatArray]:
    """Two-sided confidence interval for a binomial share, element-wise.

    Parameters
    ----------
    successes : array_like, shape (...)
        Number of "satisfied" answers. May be non-integer when it is a Kish-adjusted
        weighted count ``rate * n_eff``.
    n : array_like, shape (...)
        Number of valid answers (or Kish effective sample size). Broadcast with ``successes``.
    confidence : float
        Two-sided level, default 0.95.
    method : {"wilson", "clopper-pearson"}
        ``"wilson"``: score interval with ``z = norm.ppf(1 - alpha/2)``, the formula of
        ``statsmodels.stats.proportion.proportion_confint(method="wilson")`` including its
        clipping to [0, 1]. ``"clopper-pearson"``: exact interval from beta quantiles,
        ``Beta(alpha/2; x, n-x+1)`` and ``Beta(1-alpha/2; x+1, n-x)``, with the bounds fixed at
        0 for ``x = 0`` and 1 for ``x = n``.

    Returns
    -------
    low, high : ndarray of float, shape (...)
        Bounds as shares in [0, 1]; NaN where ``n == 0``.
    """
    confidence = check_confidence(confidence)
    x = as_float_array(successes, "successes")
    nobs = as_float_array(n, "n")
    x, nobs = np.broadcast_arrays(x, nobs)
    if (nobs < 0).any() or (x < 0).any():
        raise ValueError("successes and n must be non-negative")
    if (x > nobs * (1 + 1e-12)).any():
        raise ValueError("successes must not exceed n")
    empty = nobs <= 0
    nsafe = np.where(empty, 1.0, nobs)
    xs = np.where(empty, 0.0, np.minimum(x, nsafe))
    if method == "wilson":
        z = z_critical(confidence)
        z2 = z * z
        p = xs / nsafe
        denom = 1.0 + z2 / nsafe
        centre = (p + z2 / (2.0 * nsafe)) / denom
        half = z * np.sqrt(p * (1.0 - p) / nsafe + z2 / (4.0 * nsafe**2)) / denom
        # The bounds are exactly 0 at x = 0 and 1 at x = n; rounding in the formula would
        # otherwise leave an interval that misses the observed share by an ulp.
        low = np.where(xs <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(xs >= nsafe, 1.0, np.clip(centre + half, 0.0, 1.0))
    elif method == "clopper-pearson":
        alpha = 1.0 - confidence
        with np.errstate(invalid="ignore", divide="ignore"):
            low = np.asarray(
                stats.beta.ppf(alpha / 2.0, np.where(xs > 0, xs, 1.0), nsafe - xs + 1.0),
                dtype=np.float64,
            )
            high = np.asarray(
                stats.beta.ppf(1.0 - alpha / 2.0, xs + 1.0, np.where(xs < nsafe, nsafe - xs, 1.0)),
                dtype=np.float64,
            )
        low = np.where(xs > 0, low, 0.0)
        high = np.where(xs < nsafe, high, 1.0)
    else:
        raise ValueError(f"method must be 'wilson' or 'clopper-pearson', got {method!r}")
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    return low, high
