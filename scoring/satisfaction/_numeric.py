"""Numeric answers (0-10, 1-100, any number) scored directly by a linear map to 0-100."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scoring.satisfaction._policy import SatisfactionPolicy

NUMERIC_POINTS = 100.0


@dataclass(frozen=True)
class NumericScale:
    """A numeric answer scale: ``low`` scores 0 points, ``high`` 100, linear in between.

    Parameters
    ----------
    low, high : float
        Lowest and highest answer of the scale (``low < high``), in the answer's own units.
    satisfied_from : float
        Answers at or above this value count as satisfied for the satisfaction rate
        (``low <= satisfied_from <= high``).
    """

    low: float
    high: float
    satisfied_from: float

    def __post_init__(self) -> None:
        values = (self.low, self.high, self.satisfied_from)
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
            raise ValueError("low, high and satisfied_from must be numbers")
        if not all(math.isfinite(v) for v in values):
            raise ValueError("low, high and satisfied_from must be finite")
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got {self.low} and {self.high}")
        if not self.low <= self.satisfied_from <= self.high:
            raise ValueError("satisfied_from must lie between low and high")

    def holds(self, value: float) -> bool:
        """Whether ``value`` is an answer on this scale (inside ``[low, high]``)."""
        return self.low <= value <= self.high

    def points(self, value: float) -> float:
        """``100 (value - low) / (high - low)``: the answer's score in points."""
        return NUMERIC_POINTS * (value - self.low) / (self.high - self.low)


def numeric_value(code: str) -> float | None:
    """The number an answer code stands for (``"7"``, ``"87.5"``), or None for a level code."""
    try:
        value = float(code)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def with_numeric_levels(
    policy: SatisfactionPolicy, scale: NumericScale, codes: Iterable[str]
) -> SatisfactionPolicy:
    """``policy`` with one more level for each numeric answer code that it does not list.

    Parameters
    ----------
    policy : SatisfactionPolicy
        The listed levels; a code it already lists (``"7"`` on an explicit 0-10 list) keeps
        its listed score.
    scale : NumericScale
        How numbers are scored and which count as satisfied.
    codes : iterable of str
        The answer codes present (as stored: ``"7"``, ``"87.5"``); codes that are no number
        or lie outside the scale are left out (they stay unscored).

    Returns
    -------
    SatisfactionPolicy
        The same rules with the numeric codes appended to the level axis, highest first,
        each scored ``scale.points(value)``; those ``>= satisfied_from`` satisfied.
    """
    listed = set(policy.level_scores)
    numbers: dict[str, float] = {}
    for code in codes:
        if code in listed or code == policy.dont_know_code or code in numbers:
            continue
        value = numeric_value(code)
        if value is not None and scale.holds(value):
            numbers[code] = value
    if not numbers:
        return policy
    ordered = sorted(numbers.items(), key=lambda item: (-item[1], item[0]))
    level_scores = {**policy.level_scores, **{c: scale.points(v) for c, v in ordered}}
    satisfied = policy.satisfied_levels | {c for c, v in ordered if v >= scale.satisfied_from}
    return SatisfactionPolicy(
        level_scores=level_scores,
        satisfied_levels=frozenset(satisfied),
        dont_know_code=policy.dont_know_code,
        trim_k=policy.trim_k,
        min_n=policy.min_n,
        confidence=policy.confidence,
        rate_ci_method=policy.rate_ci_method,
        suppression_threshold=policy.suppression_threshold,
    )
