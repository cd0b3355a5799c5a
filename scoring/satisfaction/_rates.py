"""Satisfaction rates as points with their simple-random-sampling standard error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, as_count_array, as_float_array, frozen_array

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
    p = np.atleast_1d(as_float_array(rates, "rates", allow_nan=True))
    n = np.atleast_1d(as_count_array(n_valid, "n_valid", integer=False))
    if p.shape != n.shape or p.ndim != 1:
        raise ValueError(f"rates and n_valid must be 1-d of one shape, got {p.shape}, {n.shape}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("rates must be shares in [0, 1]")
    known = ~np.isnan(p) & (n > 0)
    # Only the known cells are divided, so that no 0/0 warning is raised for empty groups.
    se = np.full(p.shape, np.nan)
    se[known] = RATE_POINTS_SCALE * np.sqrt(p[known] * (1 - p[known]) / n[known])
    return RatePoints(points=frozen_array(RATE_POINTS_SCALE * p), se=frozen_array(se))
