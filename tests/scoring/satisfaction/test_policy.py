"""SatisfactionPolicy: defaults, level axis and validation."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from scoring import DEFAULT_POLICY, SatisfactionPolicy, suppression_mask


def test_defaults() -> None:
    p = SatisfactionPolicy()
    assert p == DEFAULT_POLICY
    assert p.levels == (
        "satisfied",
        "fairly_satisfied",
        "basically_satisfied",
        "dissatisfied",
        "dont_know",
    )
    assert_array_equal(p.scores[:4], [100.0, 80.0, 60.0, 0.0])
    assert np.isnan(p.scores[4])
    assert_array_equal(p.satisfied_mask, [True, True, True, False, False])
    assert (p.trim_k, p.min_n, p.confidence) == (1, 5, 0.95)
    assert p.rate_ci_method == "wilson"
    assert p.suppression_threshold == 5
    assert (p.min_score, p.max_score) == (0.0, 100.0)


def test_frozen_and_hashable() -> None:
    scores = {"good": 100.0, "bad": 0.0}
    p = SatisfactionPolicy(level_scores=scores, satisfied_levels=frozenset({"good"}))
    scores["good"] = 1.0  # the caller's dict must not reach into the policy
    assert p.level_scores["good"] == 100.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.min_n = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.level_scores["good"] = 5.0  # type: ignore[index]
    assert (
        len(
            {
                p,
                SatisfactionPolicy(
                    level_scores={"good": 100, "bad": 0}, satisfied_levels=frozenset({"good"})
                ),
            }
        )
        == 1
    )


def test_level_order_is_part_of_identity() -> None:
    a = SatisfactionPolicy(level_scores={"x": 1.0, "y": 0.0}, satisfied_levels=frozenset({"x"}))
    b = SatisfactionPolicy(level_scores={"y": 0.0, "x": 1.0}, satisfied_levels=frozenset({"x"}))
    assert a != b
    assert a.levels == ("x", "y", "dont_know")
    assert b.levels == ("y", "x", "dont_know")


def test_no_dont_know_level() -> None:
    p = SatisfactionPolicy(dont_know_code=None)
    assert len(p.levels) == 4
    assert not np.isnan(p.scores).any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"level_scores": {"a": 1.0}}, "at least two"),
        ({"level_scores": {"a": 1.0, "": 0.0}}, "non-empty strings"),
        ({"level_scores": {"a": 1.0, "b": float("nan")}}, "finite"),
        ({"level_scores": {"a": 1.0, "b": "x"}}, "number"),
        ({"satisfied_levels": frozenset({"nope"})}, "not keys"),
        ({"dont_know_code": "satisfied"}, "must not also be a scored level"),
        ({"trim_k": -1}, "trim_k"),
        ({"trim_k": 1.5}, "integer"),
        ({"min_n": 0}, "min_n"),
        ({"min_n": True}, "integer"),
        ({"confidence": 1.0}, "between 0 and 1"),
        ({"confidence": 0.0}, "between 0 and 1"),
        ({"rate_ci_method": "wald"}, "rate_ci_method"),
        ({"suppression_threshold": -2}, "suppression_threshold"),
    ],
)
def test_validation(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SatisfactionPolicy(**kwargs)


def test_suppression_mask() -> None:
    n = np.array([[0, 1, 4], [5, 6, 100]])
    assert_array_equal(suppression_mask(n), [[True, True, True], [False, False, False]])
    assert_array_equal(suppression_mask(n, threshold=0), np.zeros((2, 3), dtype=bool))
    assert_array_equal(suppression_mask(n, 10), [[True, True, True], [True, True, False]])
    assert suppression_mask(3, DEFAULT_POLICY.suppression_threshold)
    with pytest.raises(ValueError, match="non-negative"):
        suppression_mask([-1, 3])
    with pytest.raises(ValueError, match="threshold"):
        suppression_mask([1, 3], threshold=-1)
