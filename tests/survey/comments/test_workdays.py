"""Working-day deadlines, checked against dates worked out by hand on a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from survey.comments.workdays import (
    add_working_days,
    latest_start_overdue,
    parse_holidays,
    working_days_between,
)
from survey.errors import Invalid


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Fri 4 Dec 2026: Mon 7 .. Fri 11 (5), Mon 14 .. Fri 18 (10), Mon 21 .. Fri 25 (15).
        (date(2026, 12, 4), 15, date(2026, 12, 25)),
        # Mon 7 Dec: Tue 8 is the first; 15 working days end on Mon 28 Dec.
        (date(2026, 12, 7), 15, date(2026, 12, 28)),
        # Routed on a Saturday: Mon 7 Dec is the first working day, Fri 11 the fifth.
        (date(2026, 12, 5), 5, date(2026, 12, 11)),
        # Across the year end: Wed 30 Dec 2026 + 3 = Thu 31, Fri 1 Jan, Mon 4 Jan 2027.
        (date(2026, 12, 30), 3, date(2027, 1, 4)),
        (date(2026, 12, 4), 0, date(2026, 12, 4)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected
    if days:
        assert working_days_between(start, expected) == days


def test_holidays_are_skipped() -> None:
    # National Day week 2026: Thu 1 .. Wed 7 Oct; the weekdays among them are holidays.
    holidays = parse_holidays("2026-10-01, 2026-10-02，2026-10-05\n2026-10-06 2026-10-07")
    assert len(holidays) == 5
    # Routed Wed 30 Sep, 5 working days: Thu 8, Fri 9, Mon 12, Tue 13, Wed 14 Oct.
    assert add_working_days(date(2026, 9, 30), 5, holidays) == date(2026, 10, 14)
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 7)


def test_latest_start_overdue_is_the_boundary() -> None:
    today = date(2026, 12, 28)  # a Monday
    last = latest_start_overdue(today, 15)
    # Routed Fri 4 Dec: deadline Fri 25 Dec < Mon 28: overdue. Routed Mon 7: deadline Mon 28.
    assert last == date(2026, 12, 6)
    assert add_working_days(last, 15) < today
    assert add_working_days(date(2026, 12, 7), 15) == today


def test_a_bad_holiday_is_refused_by_name() -> None:
    with pytest.raises(Invalid) as caught:
        parse_holidays("2026-10-01, 2026-13-01")
    assert caught.value.params["value"] == "2026-13-01"
