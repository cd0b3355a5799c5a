"""Working days for rectification deadlines: Monday to Friday, minus the office's holidays.

Kept simple on purpose: a working day is a weekday that is not in the evaluation's holiday
list. The State Council's yearly holiday notice also moves some working days onto weekends
(调休); those weekend working days are not counted here, so a deadline that spans such a
weekend falls a day or two later than a strict count would put it, never earlier. The office
enters the holidays of the year (ISO dates) on the evaluation's rectification settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from survey.errors import N_, Invalid


def is_working_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    Routed on Friday 2026-12-04 with 15 working days: Mon 7 is the first, Fri 25 the 15th.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def working_days_between(start: date, end: date, holidays: frozenset[date] = frozenset()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count


def latest_start_overdue(today: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The last routing day whose deadline lies before ``today`` (so it is overdue today).

    ``add_working_days`` never decreases as its start moves later, so every routing day up to
    the one returned is overdue and every later one is not.
    """
    day = today - timedelta(days=1)
    while add_working_days(day, days, holidays) >= today:
        day -= timedelta(days=1)
    return day


def parse_holidays(text: str | Iterable[str]) -> frozenset[date]:
    """ISO dates separated by commas, spaces or new lines; a bad one is refused by name."""
    parts = (
        text.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",")
        if isinstance(text, str)
        else list(text)
    )
    found: set[date] = set()
    for part in parts:
        part = part.strip()
        if not part:
            continue
        try:
            found.add(date.fromisoformat(part))
        except ValueError:
            raise Invalid(
                N_("%(value)s is not a date; write holidays as year-month-day, e.g. 2026-10-01."),
                field="holidays",
                value=part,
            ) from None
    return frozenset(found)


def format_holidays(days: Iterable[date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days))
