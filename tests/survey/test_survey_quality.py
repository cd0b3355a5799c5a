"""Quality flags of a citizen submission, decided from what the channel observed."""

from __future__ import annotations

from survey.models import QualityFlag
from survey.surveys.quality import SubmissionSignals, quality_flags, rate_verdict


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
