"""Early warnings (预警): indicators that worsened since the last period or crossed a limit."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    as_float_array,
    frozen_array,
)
from scoring._reasons import Reason
from scoring.composite._base import (
    Direction,
    check_direction,
    labels,
)

# --------------------------------------------------------------------------- early warnings


@dataclass(frozen=True, eq=False)
class EarlyWarnings:
    """Early warnings (预警) on indicators against the last period and thresholds.

    Attributes
    ----------
    units, indicators : tuple[str, ...]
    change : ndarray of float, shape (U, I)
        Relative change ``(current - previous) / |previous|`` (NaN when previous is 0 or a
        value is missing).
    dropped : ndarray of bool, shape (U, I)
        Worsened by more than ``max_drop``: fell (higher-is-better) or rose
        (lower-is-better) by more than that share of ``|previous|``.
    breached : ndarray of bool, shape (U, I)
        Beyond the threshold: below it (higher-is-better) or above it (lower-is-better).
    warned : ndarray of bool, shape (U, I)
        ``dropped | breached``.
    messages : tuple[tuple[str, str, str], ...]
        ``(unit, indicator, text)`` per warning.
    notes : tuple[tuple[str, str, str], ...]
        ``(unit, indicator, text)`` where a rule could not be checked (missing value,
        previous value 0).
    reasons : tuple of Reason
        The warnings and notes as data, for the reader's language: ``indicator_worsened``
        (``unit``, ``indicator``, ``direction``, ``change``, ``limit``),
        ``beyond_warning_level`` (``unit``, ``indicator``, ``direction``, ``value``,
        ``level``), ``drop_rule_not_checked`` and ``threshold_rule_not_checked`` (``unit``,
        ``indicator``, ``cause``: ``previous_zero`` or ``value_missing``).
    max_drop, thresholds, directions
        The rules as applied.
    """

    units: tuple[str, ...]
    indicators: tuple[str, ...]
    change: FloatArray
    dropped: BoolArray
    breached: BoolArray
    warned: BoolArray
    messages: tuple[tuple[str, str, str], ...]
    notes: tuple[tuple[str, str, str], ...]
    max_drop: FloatArray
    thresholds: FloatArray
    directions: tuple[Direction, ...]
    reasons: tuple[Reason, ...] = ()


def early_warnings(
    current: ArrayLike,
    previous: ArrayLike | None = None,
    *,
    units: ArrayLike | None = None,
    indicators: ArrayLike | None = None,
    max_drop: ArrayLike | None = None,
    thresholds: ArrayLike | None = None,
    directions: Direction | Sequence[Direction] = "higher",
) -> EarlyWarnings:
    """Flag indicators that fell clearly against the last period, or below a threshold.

    Parameters
    ----------
    current : array_like, shape (U, I)
        Indicator values this period (NaN = missing).
    previous : array_like, shape (U, I), optional
        Values of the last period; required with ``max_drop``.
    units, indicators : array_like, optional
        Labels.
    max_drop : float or array_like of shape (I,), optional
        Largest tolerated worsening as a share of ``|previous|`` (0.1 = 10 %); a worsening
        strictly greater warns. NaN entries switch the rule off for an indicator.
    thresholds : float or array_like of shape (I,), optional
        Warning level per indicator: a value strictly below it (higher-is-better) or above
        it (lower-is-better) warns. NaN entries switch the rule off.
    directions : "higher", "lower" or sequence of them, length I
        Which values are better, per indicator.

    Returns
    -------
    EarlyWarnings
        A previous value of 0 makes the relative change undefined: no drop warning, a note.
    """
    cur = as_float_array(current, "current", allow_nan=True)
    if cur.ndim == 1:
        cur = cur[:, None]
    if cur.ndim != 2 or cur.size == 0:
        raise ValueError(f"current must have shape (units, indicators), got {cur.shape}")
    n_u, n_i = cur.shape
    names = labels(units, n_u, "units")
    inds = labels(indicators, n_i, "indicators")
    dirs: tuple[Direction, ...] = (
        (check_direction(directions),) * n_i
        if isinstance(directions, str)
        else tuple(check_direction(d) for d in directions)
    )
    if len(dirs) != n_i:
        raise ValueError(f"directions must have {n_i} entries")
    sign = np.array([1.0 if d == "higher" else -1.0 for d in dirs])
    drop = np.full(n_i, np.nan) if max_drop is None else _per_indicator(max_drop, "max_drop", n_i)
    if (drop[~np.isnan(drop)] < 0).any():
        raise ValueError("max_drop must be non-negative")
    thr = (
        np.full(n_i, np.nan)
        if thresholds is None
        else _per_indicator(thresholds, "thresholds", n_i)
    )
    if max_drop is None and thresholds is None:
        raise ValueError("give max_drop, thresholds or both")
    if previous is None:
        if max_drop is not None:
            raise ValueError("max_drop needs previous values")
        prev = np.full(cur.shape, np.nan)
    else:
        prev = as_float_array(previous, "previous", allow_nan=True)
        if prev.ndim == 1:
            prev = prev[:, None]
        if prev.shape != cur.shape:
            raise ValueError(f"previous must have shape {cur.shape}, got {prev.shape}")
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(prev != 0, (cur - prev) / np.abs(prev), np.nan)
        worsening = -sign * change
        dropped = ~np.isnan(drop) & (worsening > drop)
        breached = ~np.isnan(thr) & (sign * (cur - thr) < 0)
    warned = dropped | breached
    messages: list[tuple[str, str, str]] = []
    notes: list[tuple[str, str, str]] = []
    for u in range(n_u):
        for i in range(n_i):
            why = []
            if dropped[u, i]:
                word = "fell" if dirs[i] == "higher" else "rose"
                why.append(f"{word} {abs(change[u, i]):.1%} vs last period (limit {drop[i]:.1%})")
            if breached[u, i]:
                side = "below" if dirs[i] == "higher" else "above"
                why.append(f"{cur[u, i]:g} {side} the warning level {thr[i]:g}")
            if why:
                messages.append((names[u], inds[i], "; ".join(why)))
            if not np.isnan(drop[i]) and np.isnan(change[u, i]):
                what = "previous value 0" if prev[u, i] == 0 else "value missing"
                notes.append((names[u], inds[i], f"drop rule not checked: {what}"))
            if not np.isnan(thr[i]) and np.isnan(cur[u, i]):
                notes.append((names[u], inds[i], "threshold rule not checked: value missing"))
    return EarlyWarnings(
        units=names,
        indicators=inds,
        change=frozen_array(change),
        dropped=frozen_array(dropped, dtype=np.bool_),
        breached=frozen_array(breached, dtype=np.bool_),
        warned=frozen_array(warned, dtype=np.bool_),
        messages=tuple(messages),
        notes=tuple(notes),
        max_drop=frozen_array(drop),
        thresholds=frozen_array(thr),
        directions=dirs,
        reasons=_warning_reasons(
            names, inds, dirs, (cur, prev, change), (drop, thr), (dropped, breached)
        ),
    )


def _warning_reasons(
    names: tuple[str, ...],
    inds: tuple[str, ...],
    dirs: tuple[Direction, ...],
    values: tuple[FloatArray, FloatArray, FloatArray],
    limits: tuple[FloatArray, FloatArray],
    flags: tuple[BoolArray, BoolArray],
) -> tuple[Reason, ...]:
    """The warnings and notes of :func:`early_warnings` as reasons, in the same order."""
    cur, prev, change = values
    drop, thr = limits
    dropped, breached = flags
    found: list[Reason] = []
    for u, i in itertools.product(range(len(names)), range(len(inds))):
        where = {"unit": names[u], "indicator": inds[i]}
        if dropped[u, i]:
            found.append(
                Reason(
                    "indicator_worsened",
                    **where,
                    direction=dirs[i],
                    change=float(change[u, i]),
                    limit=float(drop[i]),
                )
            )
        if breached[u, i]:
            found.append(
                Reason(
                    "beyond_warning_level",
                    **where,
                    direction=dirs[i],
                    value=float(cur[u, i]),
                    level=float(thr[i]),
                )
            )
        if not np.isnan(drop[i]) and np.isnan(change[u, i]):
            cause = "previous_zero" if prev[u, i] == 0 else "value_missing"
            found.append(Reason("drop_rule_not_checked", **where, cause=cause))
        if not np.isnan(thr[i]) and np.isnan(cur[u, i]):
            found.append(Reason("threshold_rule_not_checked", **where, cause="value_missing"))
    return tuple(found)


def _per_indicator(values: ArrayLike, name: str, n: int) -> FloatArray:
    arr = as_float_array(values, name, allow_nan=True)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {arr.shape}")
    return arr
