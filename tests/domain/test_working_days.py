"""A1 due times: weekends, holidays and make-up working days in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from uidp.domain.working_days import SHANGHAI, WorkCalendar, parse_dates

CAL = WorkCalendar.of(
    holidays=parse_dates("2026-10-01..2026-10-07"),
    extra_workdays=[date(2026, 10, 10)],  # a Saturday worked
)


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("submitted", "days", "due"),
    [
        (local(2026, 11, 30, 10, 0), 1, local(2026, 12, 1, 10, 0)),  # Monday -> Tuesday
        (local(2026, 12, 4, 15, 0), 1, local(2026, 12, 7, 15, 0)),  # Friday -> Monday
        (local(2026, 12, 5, 15, 0), 1, local(2026, 12, 8, 0, 0)),  # Saturday -> end of Monday
        (local(2026, 9, 30, 9, 0), 1, local(2026, 10, 8, 9, 0)),  # across the National Day week
        (local(2026, 10, 9, 9, 0), 1, local(2026, 10, 10, 9, 0)),  # Friday -> the make-up Saturday
        (local(2026, 11, 30, 10, 0), 3, local(2026, 12, 3, 10, 0)),
    ],
)
def test_due_after(submitted, days, due):
    assert CAL.due_after(submitted, days) == due


def test_utc_input_is_read_in_shanghai():
    # 2026-12-04 17:00 UTC is Saturday 01:00 in Shanghai
    assert CAL.due_after(datetime(2026, 12, 4, 17, 0, tzinfo=UTC), 1) == local(2026, 12, 8, 0, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        CAL.due_after(datetime(2026, 12, 4, 17, 0), 1)


def test_parse_dates():
    assert parse_dates("2026-01-01, 2026-02-16..2026-02-18") == [
        date(2026, 1, 1),
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 18),
    ]
    assert parse_dates("") == []
