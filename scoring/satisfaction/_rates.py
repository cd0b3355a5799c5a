"""Satisfaction rates as points with their simple-random-sampling standard error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray

RATE_POINTS_SCALE = 100.0


@dataclass(frozen=True)
class RatePoints:
    """Satisfaction rates on the 0-100 point scale, with their standard errors.

    Attributes
    ----------
    points : ndarray of float, shape (n,)
        ``100 * rate``: the rate in points (0-100); NaN where the rate is missing.
    se : ndarray of float, shape (n,)
        Standard error in points; NaN where the rate is missing or there is no valid answer.
    """

    points: FloatArray
    se: FloatArray


def rate_points(rates: ArrayLike, n_valid: ArrayLike) -> RatePoints:
    """Satisfaction rates as points, with the binomial standard error of each.

    The error is the simple-random-sampling one, ``100 * sqrt(p * (1 - p) / n)``: each rate
    is taken as the share of ``n`` independent answers. It ignores design weights and finite
    population correction (the composite scheme recombines groups with it exactly as the
    satisfaction results did before this function existed).

    Parameters
    ----------
    rates : array_like, shape (n,)
        Satisfied rates as shares in [0, 1]; NaN where a group has no rate.
    n_valid : array_like, shape (n,)
        Number of valid answers behind each rate (non-negative).

    Returns
    -------
    RatePoints
        ``points`` and ``se``, both in points (0-100), shape (n,). Missing-value policy: a
        NaN rate gives NaN points and a NaN error; ``n_valid == 0`` gives a NaN error (no
        warning: the caller reports the missing group itself).

    Raises
    ------
    ValueError
        When the shapes differ, a rate lies outside [0, 1] or is infinite, or a count is
        negative or not finite.
    """
    # Called once per unit and request on the composite path, so the checks are a few
    # whole-array comparisons rather than the general helpers' several passes and copies.
    p = np.asarray(rates, dtype=np.float64)
    n = np.asarray(n_valid, dtype=np.float64)
    if p.ndim != 1 or p.shape != n.shape:
        raise ValueError(f"rates and n_valid must be 1-d of one shape, got {p.shape}, {n.shape}")
    if not (((p >= 0) & (p <= 1)) | np.isnan(p)).all():
        raise ValueError("rates must be shares in [0, 1] or NaN")
    if not ((n >= 0) & (n < np.inf)).all():
        raise ValueError("n_valid must be finite and non-negative")
    # Empty groups divide by zero; their error is set to NaN just after.
    with np.errstate(divide="ignore", invalid="ignore"):
        se = RATE_POINTS_SCALE * np.sqrt(p * (1 - p) / n)
    se[n == 0] = np.nan
    points = RATE_POINTS_SCALE * p
    points.setflags(write=False)
    se.setflags(write=False)
    return RatePoints(points=points, se=se)
