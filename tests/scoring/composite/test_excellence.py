"""Excellence goals: a unit's score and difficulty coefficient, by hand and as an invariant."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from scoring import ExcellenceScore, excellence_score


def test_hand_worked_goals() -> None:
    # Scores 80 and 90 at difficulties 1.0 and 1.2: mean 85; coefficient
    # (80 + 108) / 170 = 1.10588..., so that 85 x 1.10588... = 94 = mean(80, 108).
    found = excellence_score([80.0, 90.0], [1.0, 1.2])
    assert isinstance(found, ExcellenceScore)
    assert found.score == 85.0
    assert found.difficulty == pytest.approx(188 / 170, rel=1e-15)
    assert found.score * found.difficulty == pytest.approx(94.0, rel=1e-14)


def test_all_zero_scores_take_the_plain_mean_difficulty() -> None:
    found = excellence_score([0.0, 0.0], [0.8, 1.2])
    assert found.score == 0.0
    assert found.difficulty == pytest.approx(1.0)


def test_no_goals_give_nan() -> None:
    found = excellence_score([], [])
    assert math.isnan(found.score) and math.isnan(found.difficulty)


@given(
    st.lists(
        st.tuples(st.floats(0.5, 100), st.floats(0.5, 1.5)),
        min_size=1,
        max_size=8,
    )
)
def test_score_times_difficulty_is_the_mean_weighted_score(
    goals: list[tuple[float, float]],
) -> None:
    scores = np.array([s for s, _ in goals])
    factors = np.array([d for _, d in goals])
    found = excellence_score(scores, factors)
    assert_allclose(found.score * found.difficulty, np.mean(scores * factors), rtol=1e-12)
    assert factors.min() - 1e-12 <= found.difficulty <= factors.max() + 1e-12


@pytest.mark.parametrize(
    ("scores", "difficulties"), [([1.0], [1.0, 1.0]), ([1.0], [math.nan]), ([math.inf], [1.0])]
)
def test_bad_input_is_refused(scores: list[float], difficulties: list[float]) -> None:
    with pytest.raises(ValueError):
        excellence_score(scores, difficulties)
