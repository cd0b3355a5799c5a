"""The scoring policy: what each answer level is worth and how cells are summarised."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

import numpy as np

from scoring._common import BoolArray, FloatArray, check_confidence, check_int

RateCIMethod = Literal["wilson", "clopper-pearson"]

SATISFIED = "satisfied"  # 满意
FAIRLY_SATISFIED = "fairly_satisfied"  # 比较满意
BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
DISSATISFIED = "dissatisfied"  # 不满意
DONT_KNOW = "dont_know"  # 不了解


def _default_level_scores() -> Mapping[str, float]:
    return {SATISFIED: 100.0, FAIRLY_SATISFIED: 80.0, BASICALLY_SATISFIED: 60.0, DISSATISFIED: 0.0}


@dataclass(frozen=True)
class SatisfactionPolicy:
    """How answers are turned into scores.

    The policy also fixes the order of the last axis of every counts array handed to the
    library: :attr:`levels` lists the scored levels in the order of ``level_scores``
    followed by the don't-know level (if any).

    Parameters
    ----------
    level_scores : Mapping[str, float]
        Level code -> score in points (0-100 scale by convention). Order matters: it is the
        order of the level axis. Default 满意 ``satisfied`` 100, 比较满意 ``fairly_satisfied``
        80, 基本满意 ``basically_satisfied`` 60, 不满意 ``dissatisfied`` 0.
    satisfied_levels : frozenset[str]
        Levels counted as "satisfied" for the satisfaction rate (a share in [0, 1]).
        Default: the three satisfied levels.
    dont_know_code : str or None
        Code of the 不了解 "don't know" level, which is counted (``n_dont_know``) but excluded
        from every score, rate and denominator. ``None`` means the scale has no such level.
    trim_k : int
        Number of ratings dropped from *each* end for the trimmed mean (default 1).
    min_n : int
        Minimum number of valid (non-don't-know) answers for a respondent group to enter a
        unit's combined score (default 5).
    confidence : float
        Two-sided confidence level of every interval (default 0.95).
    rate_ci_method : {"wilson", "clopper-pearson"}
        Interval for the satisfaction rate (default Wilson score interval).
    suppression_threshold : int
        Cells with fewer respondents than this are suppressed from publication (default 5).
    """

    level_scores: Mapping[str, float] = field(default_factory=_default_level_scores)
    satisfied_levels: frozenset[str] = frozenset({SATISFIED, FAIRLY_SATISFIED, BASICALLY_SATISFIED})
    dont_know_code: str | None = DONT_KNOW
    trim_k: int = 1
    min_n: int = 5
    confidence: float = 0.95
    rate_ci_method: RateCIMethod = "wilson"
    suppression_threshold: int = 5

    def __post_init__(self) -> None:
        if not isinstance(self.level_scores, Mapping) or len(self.level_scores) < 2:
            raise ValueError("level_scores must map at least two level codes to scores")
        scores: dict[str, float] = {}
        for code, score in self.level_scores.items():
            if not isinstance(code, str) or not code:
                raise ValueError(f"level codes must be non-empty strings, got {code!r}")
            if isinstance(score, bool) or not isinstance(score, (int, float)):
                raise ValueError(f"score of level {code!r} must be a number, got {score!r}")
            if not math.isfinite(score):
                raise ValueError(f"score of level {code!r} must be finite, got {score!r}")
            scores[code] = float(score)
        # A read-only copy: the caller's dict must not be able to change a frozen policy.
        object.__setattr__(self, "level_scores", MappingProxyType(scores))

        satisfied = frozenset(self.satisfied_levels)
        unknown = sorted(satisfied - scores.keys())
        if unknown:
            raise ValueError(f"satisfied_levels {unknown} are not keys of level_scores")
        object.__setattr__(self, "satisfied_levels", satisfied)

        if self.dont_know_code is not None:
            if not isinstance(self.dont_know_code, str) or not self.dont_know_code:
                raise ValueError("dont_know_code must be a non-empty string or None")
            if self.dont_know_code in scores:
                raise ValueError(
                    f"dont_know_code {self.dont_know_code!r} must not also be a scored level"
                )
        check_int(self.trim_k, "trim_k", minimum=0)
        check_int(self.min_n, "min_n", minimum=1)
        check_int(self.suppression_threshold, "suppression_threshold", minimum=0)
        check_confidence(self.confidence)
        if self.rate_ci_method not in get_args(RateCIMethod):
            raise ValueError(
                f"rate_ci_method must be one of {get_args(RateCIMethod)}, "
                f"got {self.rate_ci_method!r}"
            )

    def _key(self) -> tuple[object, ...]:
        # Level order is part of the identity (it is the counts axis), so compare ordered items
        # rather than relying on dict equality, which ignores order.
        return (
            tuple(self.level_scores.items()),
            self.satisfied_levels,
            self.dont_know_code,
            self.trim_k,
            self.min_n,
            self.confidence,
            self.rate_ci_method,
            self.suppression_threshold,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SatisfactionPolicy):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def levels(self) -> tuple[str, ...]:
        """Level codes in the order of the last axis of a counts array."""
        scored = tuple(self.level_scores)
        return scored if self.dont_know_code is None else (*scored, self.dont_know_code)

    @property
    def scores(self) -> FloatArray:
        """Score per level, shape ``(len(levels),)``, NaN for the don't-know level."""
        values = [*self.level_scores.values()]
        if self.dont_know_code is not None:
            values.append(math.nan)
        return np.array(values, dtype=np.float64)

    @property
    def satisfied_mask(self) -> BoolArray:
        """Boolean per level, shape ``(len(levels),)``: counts towards the satisfaction rate."""
        return np.array([code in self.satisfied_levels for code in self.levels], dtype=np.bool_)

    @property
    def min_score(self) -> float:
        return min(self.level_scores.values())

    @property
    def max_score(self) -> float:
        return max(self.level_scores.values())


DEFAULT_POLICY = SatisfactionPolicy()
