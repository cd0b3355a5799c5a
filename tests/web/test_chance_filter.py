"""Grade probabilities on the composite pages: a possible grade never reads 0 %."""

from __future__ import annotations

import pytest

from web.templating import chance


@pytest.mark.parametrize(
    ("probability", "shown"),
    [
        (0.0, "0%"),
        (0.001, "<1%"),
        (0.0049, "<1%"),
        (0.005, "<1%"),
        (0.01, "1%"),
        (0.42, "42%"),
        (0.99, "99%"),
        (0.995, ">99%"),
        (1.0, "100%"),
    ],
)
def test_chance_keeps_rare_and_near_certain_outcomes_visible(
    probability: float, shown: str
) -> None:
    assert chance(probability) == shown
