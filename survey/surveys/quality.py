"""Which quality flags a citizen's submission gets, from what the channel observed about it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from survey.models import QualityFlag
from survey.surveys.scales import DONT_KNOW
from survey.surveys.submission import AnswerRow

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
    # The answers to store, and from how many units rated all alike that is straight-lining;
    # None leaves that check out (ballots have their own uniform-ballot rule).
    answers: tuple[AnswerRow, ...] = ()
    identical_units: int | None = None


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
    if signals.identical_units is not None and identical_ratings(
        signals.answers, signals.identical_units
    ):
        flags |= QualityFlag.straight_lined
    return flags


def identical_ratings(answers: Iterable[AnswerRow], min_units: int) -> bool:
    """True when at least ``min_units`` units are rated and every rating is the same level.

    不了解 is left out: saying you do not know a unit is an honest answer, not a pattern. A
    survey with several rating questions per unit counts each unit once; one differing rating
    anywhere means the respondent told the units apart.
    """
    levels: set[str] = set()
    units: set[int] = set()
    for answer in answers:
        if answer.unit_id is None or answer.level is None or answer.level == DONT_KNOW:
            continue
        levels.add(answer.level)
        if len(levels) > 1:
            return False
        units.add(answer.unit_id)
    return len(units) >= min_units
