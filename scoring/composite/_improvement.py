"""What one input of a unit buys: composite points per step, and the least change to a better grade.

The composite of a unit is not a sum of independent parts: min-max, efficacy, z-score and rank
methods, TOPSIS and entropy weights all look at the whole category, so changing one unit's
value moves the normalisation of everyone. Rather than a linearisation, everything here runs
the caller's real composite function (``model``: the input's new value -> the unit's total and
grade index after the whole category is evaluated again). For a scheme that is linear in the
input the one-step difference is the exact slope; for the others it is the true effect of
that step, normalisation shift included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scoring._reasons import Reason
from scoring.composite._base import Direction, check_direction, check_number

# The input's new value -> (the unit's total, its grade index: 0 best, -1 not graded).
Model = Callable[[float], tuple[float, int]]

_MAX_DOUBLINGS = 60
# A total that has not moved over this many doublings of the change has saturated (the
# indicator's points are full, or the unit already leads the normalisation).
_FLAT_DOUBLINGS = 4
_REL_TOL = 1e-6
_DISPLAY_DIGITS = 4


@dataclass(frozen=True)
class Lever:
    """One input of one unit that the simulator may change.

    Parameters
    ----------
    name : str
        The input's key (an indicator path, a satisfaction source).
    value : float
        The unit's current value of the input (NaN: missing, nothing is simulated).
    step : float
        The marginal step (default 1: one unit of the indicator, one point of satisfaction).
    direction : {"higher", "lower"}
        Which way of the input improves the unit (a cost indicator improves downwards).
    low, high : float
        Values the input may take (a satisfaction score lies in 0-100); infinite by default.
    scale : float, optional
        How far apart the category's values of the input lie (e.g. their range, or a
        target). A total that does not move is called saturated only once the change
        exceeds it: below it a flat stretch may just be the unit staying the category's
        minimum. Default ``step``.
    """

    name: str
    value: float
    step: float = 1.0
    direction: Direction = "higher"
    low: float = -math.inf
    high: float = math.inf
    scale: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"lever name must be a non-empty string, got {self.name!r}")
        check_number(self.step, f"lever {self.name!r} step", minimum=0.0, strict_min=True)
        check_direction(self.direction)
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float, np.number)):
            raise ValueError(f"lever {self.name!r}: value must be a number")
        object.__setattr__(self, "value", float(self.value))
        if self.scale is not None:
            check_number(self.scale, f"lever {self.name!r} scale", minimum=0.0)
        if not self.low <= self.high:
            raise ValueError(f"lever {self.name!r}: low must not exceed high")


@dataclass(frozen=True)
class LeverEffect:
    """What a lever buys, computed on the real composite function.

    Attributes
    ----------
    lever : Lever
    total, grade : float, int
        The unit's total and grade index now (0 best, -1 not graded).
    points_per_step : float
        ``total(value + step) - total(value)`` in composite points (NaN: missing input, or
        the step leaves the admissible range; see ``reasons``). Negative for a cost indicator.
    target_grade : int or None
        The grade index one better than now (None: already the best, or not graded).
    reachable : bool
        Whether some admissible change of this input alone reaches ``target_grade``.
    change : float
        The least change found (signed, in the input's units) that reaches ``target_grade``,
        rounded away from zero to 4 significant digits and checked on the model (NaN when
        not reachable).
    new_value, new_total : float
        The input's value and the unit's total after ``change`` (NaN when not reachable).
    new_grade : int
        The grade the model gives after ``change`` (-1 when not reachable).
    evaluations : int
        Calls of the model.
    reasons : tuple of Reason
        ``value_missing``, ``step_outside_range``, ``top_grade``, ``not_graded``,
        ``saturates`` (the total stops rising below the next grade),
        ``range_exhausted`` (the admissible range ends first), each with ``lever``.
    method : str
    """

    lever: Lever
    total: float
    grade: int
    points_per_step: float
    target_grade: int | None
    reachable: bool
    change: float
    new_value: float
    new_total: float
    new_grade: int
    evaluations: int
    reasons: tuple[Reason, ...]
    method: str


class _Counted:
    """The model with a call count and a memo (bisection revisits no point, doubling might)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.calls = 0
        self._seen: dict[float, tuple[float, int]] = {}

    def __call__(self, x: float) -> tuple[float, int]:
        if x not in self._seen:
            self.calls += 1
            total, grade = self.model(x)
            self._seen[x] = (float(total), int(grade))
        return self._seen[x]


def _better(grade: int, target: int) -> bool:
    return 0 <= grade <= target


def _round_away(x: float, digits: int) -> float:
    """``x`` rounded away from zero to ``digits`` significant digits."""
    if x == 0 or not math.isfinite(x):
        return x
    exponent = math.floor(math.log10(abs(x))) - digits + 1
    scale = 10.0**exponent
    return math.copysign(math.ceil(abs(x) / scale - 1e-9) * scale, x)


def _search(
    f: _Counted, lever: Lever, sign: float, target: int
) -> tuple[float | None, Reason | None]:
    """The least |change| (signed) reaching ``target``: doubling brackets it, bisection
    narrows it. Exact for a grade that is monotone in the input; otherwise the first crossing
    on the doubling grid."""
    limit = (lever.high - lever.value) if sign > 0 else (lever.value - lever.low)
    base_total = f(lever.value)[0]
    lo, hi = 0.0, math.nan
    last_total, flat = base_total, 0
    size = lever.step
    scale = lever.step if lever.scale is None else max(lever.scale, lever.step)
    for _ in range(_MAX_DOUBLINGS):
        capped = min(size, limit)
        total, grade = f(lever.value + sign * capped)
        if _better(grade, target):
            hi = capped
            break
        if capped >= limit:
            return None, Reason("range_exhausted", lever=lever.name, limit=float(limit))
        still = math.isclose(total, last_total, rel_tol=1e-12, abs_tol=1e-12)
        flat = flat + 1 if still and capped > scale else 0
        if flat >= _FLAT_DOUBLINGS:
            return None, Reason("saturates", lever=lever.name, total=float(total))
        last_total = total
        lo = capped
        size *= 2.0
    else:
        return None, Reason("saturates", lever=lever.name, total=float(last_total))
    while hi - lo > _REL_TOL * max(hi, lever.step):
        mid = 0.5 * (lo + hi)
        if _better(f(lever.value + sign * mid)[1], target):
            hi = mid
        else:
            lo = mid
    shown = _round_away(hi, _DISPLAY_DIGITS)
    if shown <= limit and _better(f(lever.value + sign * shown)[1], target):
        hi = shown
    return sign * hi, None


def lever_effect(model: Model, lever: Lever) -> LeverEffect:
    """Points per step of one input and the least change of it to reach the next grade.

    Parameters
    ----------
    model : callable float -> (float, int)
        The input's new value -> the unit's total (points) and grade index (0 best, -1 not
        graded), with the whole category evaluated again as the scheme does it (ranks,
        normalisations, quotas included).
    lever : Lever

    Returns
    -------
    LeverEffect

    Notes
    -----
    The marginal effect is a difference of the real function, ``total(v + step) -
    total(v)``: exact for linear schemes, and the actual effect of the step where the input
    moves a normalisation. The least change to the next grade doubles the change (from
    ``step``, within ``[low, high]``) until the grade is reached and bisects the last
    interval to a relative 1e-6; the reported change is rounded away from zero to 4
    significant digits when that still reaches the grade. It is "not reachable" when the
    range ends first or the total stops moving over four doublings beyond the lever's
    ``scale`` (saturated points).
    """
    if not isinstance(lever, Lever):
        raise ValueError("lever must be a Lever")
    f = _Counted(model)
    method = (
        "points per step = total(value + step) - total(value) on the whole category "
        "evaluated again; least change to the next grade by doubling from the step, then "
        f"bisection to relative {_REL_TOL:g}, rounded away from zero to {_DISPLAY_DIGITS} "
        "significant digits when that still reaches it"
    )
    nan = math.nan
    if math.isnan(lever.value):
        return LeverEffect(
            lever, nan, -1, nan, None, False, nan, nan, nan, -1, 0,
            (Reason("value_missing", lever=lever.name),), method,
        )  # fmt: skip
    total, grade = f(lever.value)
    found: list[Reason] = []
    if lever.value + lever.step <= lever.high:
        points = f(lever.value + lever.step)[0] - total
    else:
        points = nan
        found.append(Reason("step_outside_range", lever=lever.name, high=float(lever.high)))
    target: int | None = None
    change = new_value = new_total = nan
    new_grade = -1
    if grade < 0:
        found.append(Reason("not_graded", lever=lever.name))
    elif grade == 0:
        found.append(Reason("top_grade", lever=lever.name))
    else:
        target = grade - 1
        sign = 1.0 if lever.direction == "higher" else -1.0
        got, why = _search(f, lever, sign, target)
        if got is None:
            assert why is not None
            found.append(why)
        else:
            change = got
            new_value = lever.value + got
            new_total, new_grade = f(new_value)
    return LeverEffect(
        lever=lever,
        total=total,
        grade=grade,
        points_per_step=points,
        target_grade=target,
        reachable=not math.isnan(change),
        change=change,
        new_value=new_value,
        new_total=new_total,
        new_grade=new_grade,
        evaluations=f.calls,
        reasons=tuple(found),
        method=method,
    )
