"""Quality flags of a citizen submission, decided from what the channel observed."""

from __future__ import annotations

from survey.models import QualityFlag
from survey.surveys.quality import (
    SubmissionSignals,
    identical_ratings,
    quality_flags,
    rate_verdict,
)
from survey.surveys.submission import AnswerRow


def test_a_calm_human_gets_no_flag() -> None:
    assert quality_flags(SubmissionSignals(elapsed_seconds=95.0, min_seconds=30)) == 0


def test_each_signal_sets_its_flag() -> None:
    assert quality_flags(SubmissionSignals(elapsed_seconds=3.0, min_seconds=30)) == (
        QualityFlag.too_fast
    )
    # A missing or forged start stamp counts as too fast: nobody can tell it was not.
    assert quality_flags(SubmissionSignals(min_seconds=0)) == QualityFlag.too_fast
    assert quality_flags(SubmissionSignals(honeypot=" http://spam ")) == QualityFlag.honeypot
    assert quality_flags(SubmissionSignals(device_answered_before=True)) == (
        QualityFlag.repeat_device
    )
    assert quality_flags(SubmissionSignals(rate="flag")) == QualityFlag.rate_limited
    assert quality_flags(SubmissionSignals(honeypot="x", elapsed_seconds=1, min_seconds=5)) == (
        QualityFlag.honeypot | QualityFlag.too_fast
    )


def test_the_api_is_not_timed() -> None:
    assert quality_flags(SubmissionSignals(rate="ok")) == 0


def test_rate_verdict() -> None:
    assert rate_verdict(False, 99, 10) == "refuse"
    assert rate_verdict(True, 11, 10) == "flag"
    assert rate_verdict(True, 10, 10) == "ok"


def _ratings(*levels: str, questions: int = 1) -> tuple[AnswerRow, ...]:
    return tuple(
        AnswerRow(unit_id=unit, question=f"q{q}", level=level, value=None)
        for unit, level in enumerate(levels, start=1)
        for q in range(questions)
    )


def test_identical_ratings_from_the_configured_number_of_units() -> None:
    eight = _ratings(*["satisfied"] * 8)
    assert quality_flags(SubmissionSignals(answers=eight, identical_units=8)) == (
        QualityFlag.straight_lined
    )
    assert quality_flags(SubmissionSignals(answers=eight, identical_units=9)) == 0
    # Channels that do not ask for the check (ballots) never get the flag.
    assert quality_flags(SubmissionSignals(answers=eight)) == 0
    # Two questions per unit: still eight units, not sixteen ratings.
    assert identical_ratings(_ratings(*["satisfied"] * 4, questions=2), 5) is False
    assert identical_ratings(_ratings(*["satisfied"] * 5, questions=2), 5) is True
    # 不了解 is no rating; one other level anywhere breaks the pattern; unit-less answers
    # (profile questions) do not count.
    assert identical_ratings(_ratings(*["dissatisfied"] * 8, "dont_know", "dont_know"), 8)
    assert not identical_ratings(_ratings(*["satisfied"] * 9, "dissatisfied"), 8)
    profile = AnswerRow(unit_id=None, question="age", level="30_39", value=None)
    assert identical_ratings((*_ratings(*["satisfied"] * 8), profile), 8)
