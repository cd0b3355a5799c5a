"""Which quality flags a citizen's submission gets, from what the channel observed about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from survey.models import QualityFlag

RateVerdict = Literal["ok", "flag", "refuse"]


@dataclass(frozen=True)
class SubmissionSignals:
    """What the form or the API saw; the web layer measures, this module decides."""

    honeypot: str = ""  # the hidden field people never see and bots fill
    elapsed_seconds: float | None = None  # since the form was shown; None: missing or forged
    # None when the channel does not time the form (the API): no too-fast verdict then.
    min_seconds: float | None = None
    device_answered_before: bool = False  # a genuine device mark for this survey came along
    rate: RateVerdict = "ok"


def rate_verdict(allowed: bool, count: int, soft_limit: int) -> RateVerdict:
    """'refuse' above the hard limit, 'flag' (stored, flagged for review) above the soft one.

    ``count`` is the hit count the hard limit saw; the soft limit reuses it.
    """
    if not allowed:
        return "refuse"
    return "flag" if count > soft_limit else "ok"


def quality_flags(signals: SubmissionSignals) -> QualityFlag:
    """The flags to store with the response; a flagged response is kept but not counted."""
    flags = QualityFlag(0)
    if signals.honeypot.strip():
        flags |= QualityFlag.honeypot
    if signals.min_seconds is not None and (
        signals.elapsed_seconds is None or signals.elapsed_seconds < signals.min_seconds
    ):
        flags |= QualityFlag.too_fast
    if signals.device_answered_before:
        flags |= QualityFlag.repeat_device
    if signals.rate == "flag":
        flags |= QualityFlag.rate_limited
    return flags
