"""Shared types, the warning class and input checks for the scoring library."""

from __future__ import annotations

import math
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]
IntArray: TypeAlias = NDArray[np.intp]
StrArray: TypeAlias = NDArray[np.str_]


class ScoringWarning(UserWarning):
    """A score could not be computed for a reason that is in the data, not in the code.

    Raised through :func:`warnings.warn` (never as an exception) when a headline number
    comes out as NaN or an iterative procedure stops early; the result object always carries
    the same reason as text.
    """


def frozen_array(values: ArrayLike, dtype: Any = np.float64) -> NDArray[Any]:
    """Return a read-only copy so that frozen result objects are immutable all the way down."""
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def as_float_array(values: ArrayLike, name: str, *, allow_nan: bool = False) -> FloatArray:
    """Convert to float64, rejecting non-numeric input and (unless allowed) NaN or infinity."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {values!r:.80}") from exc
    bad = ~np.isfinite(arr)
    if allow_nan:
        bad &= ~np.isnan(arr)
    if bad.any():
        what = "infinite" if allow_nan else "NaN or infinite"
        raise ValueError(f"{name} contains {int(bad.sum())} {what} value(s)")
    return arr


def as_count_array(values: ArrayLike, name: str, *, integer: bool) -> FloatArray:
    """Counts must be finite and non-negative; respondent counts must also be whole numbers."""
    arr = as_float_array(values, name)
    if (arr < 0).any():
        raise ValueError(f"{name} must be non-negative")
    if integer and (arr != np.floor(arr)).any():
        raise ValueError(
            f"{name} must hold whole numbers of respondents; pass weighted totals through "
            "weight_sums instead"
        )
    return arr


def check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def check_int(value: int, name: str, *, minimum: int) -> int:
    # bool is an int subclass; True as a sample size is almost certainly a bug upstream.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def z_critical(confidence: float) -> float:
    """Two-sided standard normal critical value, e.g. 1.959964 for 0.95."""
    # special.ndtri is what stats.norm.ppf evaluates, without its ~300 us of argument handling.
    return float(special.ndtri(0.5 + confidence / 2.0))


def t_critical(confidence: float, df: FloatArray) -> FloatArray:
    """Two-sided Student t critical values; NaN where df is not positive."""
    df_safe = np.where(df > 0, df, np.nan)
    # special.stdtrit is what stats.t.ppf evaluates, without the distribution machinery's
    # ~40 us of argument handling per call (one call per unit in a results page).
    return np.asarray(special.stdtrit(df_safe, 0.5 + confidence / 2.0), dtype=np.float64)


def labels_tuple(labels: ArrayLike | None, size: int, name: str) -> tuple[str, ...]:
    """Normalise optional labels to unique strings, defaulting to positions."""
    if labels is None:
        return tuple(str(i) for i in range(size))
    out = tuple(str(v) for v in np.asarray(labels, dtype=object).ravel())
    if len(out) != size:
        raise ValueError(f"{name} has {len(out)} entries, expected {size}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must be unique")
    return out


def isclose_total(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
