"""Shared checks, the ranking kernel and explanation helpers of the composite library."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypeAlias, get_args

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    IntArray,
    StrArray,
    as_float_array,
    frozen_array,
)
from scoring._reasons import Reason, emit

Direction = Literal["higher", "lower"]
Param: TypeAlias = float | int | str | bool | tuple[float, ...] | None
Explanation: TypeAlias = dict[str, Any]

# Weights and shares that must "sum to 1" are accepted within this absolute tolerance.
SUM_TOLERANCE = 1e-9


class Explainable(Protocol):
    """Anything that can describe, for one unit, how a number was obtained."""

    def explain(self, unit: int) -> Explanation: ...


def check_choice(value: object, choices: Any, name: str) -> str:
    """``value`` must be one of the strings of a ``Literal`` type (or a tuple of strings)."""
    allowed = get_args(choices) if not isinstance(choices, tuple) else choices
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_direction(value: object, name: str = "direction") -> Direction:
    check_choice(value, Direction, name)
    return "higher" if value == "higher" else "lower"


def check_number(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
    strict_max: bool = False,
) -> float:
    """A finite real number (not a bool) within optional bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (out <= minimum if strict_min else out < minimum):
        raise ValueError(f"{name} must be {'>' if strict_min else '>='} {minimum:g}, got {out:g}")
    if maximum is not None and (out >= maximum if strict_max else out > maximum):
        raise ValueError(f"{name} must be {'<' if strict_max else '<='} {maximum:g}, got {out:g}")
    return out


def check_count(value: object, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} name must be a non-empty string, got {value!r}")
    if "/" in value:
        raise ValueError(f"{what} name {value!r} must not contain '/' (used in paths)")
    return value


def vector(
    values: ArrayLike, name: str, *, allow_nan: bool = True, size: int | None = None
) -> FloatArray:
    """A 1-D float array, optionally of a given length; NaN allowed unless said otherwise."""
    arr = as_float_array(values, name, allow_nan=allow_nan)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per unit), got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{name} has {arr.size} entries, expected {size}")
    return arr


def broadcast_vector(
    values: ArrayLike, name: str, size: int, *, allow_nan: bool = False
) -> FloatArray:
    """A scalar or a length-``size`` vector, returned as a length-``size`` vector."""
    arr = as_float_array(values, name, allow_nan=allow_nan)
    if arr.ndim == 0:
        return np.full(size, float(arr))
    if arr.shape != (size,):
        raise ValueError(f"{name} must be a scalar or have shape ({size},), got {arr.shape}")
    return arr


def check_sums_to_one(weights: FloatArray, name: str) -> None:
    if (weights < 0).any():
        raise ValueError(f"{name} must be non-negative")
    total = float(weights.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1, got {total!r}")


def exact_share(share: float) -> Fraction:
    """The decimal a share was written as, exactly: ``0.3`` -> ``3/10`` (not ``0.29999...``).

    Count limits such as ``floor(0.3 n)`` are computed on this fraction so that binary
    floating point cannot move a limit by one (``0.1 * 3 * 10`` is not 3 in floats).
    """
    return Fraction(repr(float(share)))


def floor_share(share: float, n: int) -> int:
    return math.floor(exact_share(share) * n)


def ceil_share(share: float, n: int) -> int:
    return math.ceil(exact_share(share) * n)


def labels(values: ArrayLike | None, size: int, name: str) -> tuple[str, ...]:
    """Unique string labels, defaulting to positions ``"0"``, ``"1"``, ..."""
    if values is None:
        return tuple(str(i) for i in range(size))
    out = tuple(str(v) for v in np.asarray(values, dtype=object).ravel())
    if len(out) != size:
        raise ValueError(f"{name} has {len(out)} entries, expected {size}")
    if len(set(out)) != len(out):
        dup = sorted({u for u in out if out.count(u) > 1})
        raise ValueError(f"{name} must be unique; repeated: {dup[:5]}")
    return out


def reasons(size: int, rules: Sequence[tuple[BoolArray, str]]) -> StrArray:
    """Per-unit reason code: the first rule whose mask is true, empty string otherwise."""
    out = np.full(size, "", dtype=object)
    todo = np.ones(size, dtype=bool)
    for mask, text in rules:
        hit = todo & np.asarray(mask, dtype=bool)
        out[hit] = text
        todo &= ~hit
    return np.asarray(out.astype(str), dtype=np.str_)


def nan_reasons(what: str, reason: StrArray, new: BoolArray) -> tuple[Reason, ...]:
    """One :class:`Reason` per reason code of the NaN results a function introduced, with the
    function's name and how many units the code explains."""
    if not new.any():
        return ()
    counts: dict[str, int] = {}
    for code in reason[new].tolist():
        counts[code or "undefined"] = counts.get(code or "undefined", 0) + 1
    return tuple(Reason(code, function=what, count=n) for code, n in counts.items())


def warn_nan(
    what: str, reason: StrArray, new: BoolArray, stacklevel: int = 3, *, warn: bool = True
) -> tuple[Reason, ...]:
    """The reasons of the NaN results a function introduced, each also raised as a
    :class:`ScoringWarning` unless ``warn`` is False."""
    found = nan_reasons(what, reason, new)
    emit(found, warn=warn, stacklevel=stacklevel + 1)
    return found


def competition_ranks(
    primary: FloatArray, keys: Sequence[FloatArray] = ()
) -> tuple[FloatArray, IntArray]:
    """Competition ranks ("1224") along the last axis, best = 1, higher values better.

    Parameters
    ----------
    primary : ndarray, shape (S, U)
        Values to rank within each row; NaN are not ranked (rank NaN, tie size 0).
    keys : sequence of ndarray, each broadcastable to (S, U)
        Tie-break keys in order of use, higher better; units equal on ``primary`` and every
        key share the best rank of their block. Must be finite.

    Returns
    -------
    rank : ndarray of float, shape (S, U)
        ``1 + number of units strictly ahead``; NaN where ``primary`` is NaN.
    size : ndarray of int, shape (S, U)
        Number of ranked units sharing the unit's rank (1 when untied, 0 when not ranked).
    """
    p = np.asarray(primary, dtype=np.float64)
    s, u = p.shape
    nan = np.isnan(p)
    # lexsort sorts ascending by the last key first: negate so that "higher" comes first.
    sort_keys = [np.broadcast_to(-np.asarray(k, dtype=np.float64), (s, u)) for k in reversed(keys)]
    sort_keys.append(np.where(nan, np.inf, -p))
    stacked = np.stack(sort_keys)
    order = np.lexsort(stacked, axis=-1)
    ranked_sorted = np.take_along_axis(stacked, order[None, :, :], axis=-1)
    new = np.ones((s, u), dtype=bool)
    if u > 1:
        new[:, 1:] = (ranked_sorted[:, :, 1:] != ranked_sorted[:, :, :-1]).any(axis=0)
    pos = np.broadcast_to(np.arange(u), (s, u))
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    last = np.ones((s, u), dtype=bool)
    if u > 1:
        last[:, :-1] = new[:, 1:]
    end = np.minimum.accumulate(np.where(last, pos, u)[:, ::-1], axis=1)[:, ::-1]
    rank = np.empty((s, u), dtype=np.float64)
    size = np.empty((s, u), dtype=np.intp)
    np.put_along_axis(rank, order, (start + 1).astype(np.float64), axis=1)
    np.put_along_axis(size, order, end - start + 1, axis=1)
    rank[nan] = np.nan
    size[nan] = 0
    return rank, size


def plain(value: Any) -> Any:
    """Numbers, strings, lists and dicts only: numpy scalars and tuples are converted."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


def frozen_params(params: Mapping[str, Param]) -> Mapping[str, Param]:
    return MappingProxyType(dict(params))


def frozen_map(arrays: Mapping[str, FloatArray]) -> Mapping[str, FloatArray]:
    return MappingProxyType({k: frozen_array(v) for k, v in arrays.items()})


def unit_index(unit: int | str, units: tuple[str, ...]) -> int:
    """Position of a unit given by label or by position."""
    if isinstance(unit, str):
        try:
            return units.index(unit)
        except ValueError:
            raise ValueError(f"unknown unit {unit!r}") from None
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)):
        raise ValueError(f"unit must be a label or a position, got {unit!r}")
    if not 0 <= int(unit) < len(units):
        raise ValueError(f"unit position {unit} out of range 0..{len(units) - 1}")
    return int(unit)
