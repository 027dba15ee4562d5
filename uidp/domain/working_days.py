"""Working days in Asia/Shanghai for review due times (A1): weekends and public holidays are skipped,
make-up working days (调休, a Saturday or Sunday that is worked) count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked. ``holidays`` and ``extra_workdays`` come from settings."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(extra_workdays))

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def due_after(self, submitted: datetime, working_days: int) -> datetime:
        """When a case submitted at ``submitted`` is due: ``working_days`` working days later, same local time.

        A case submitted on a non-working day starts counting at 00:00 of the next working day, so a case
        sent on Saturday with one working day to go is due on Tuesday 00:00 (the end of Monday).
        """
        if submitted.tzinfo is None:
            raise ValueError("submitted must be timezone-aware")
        local = submitted.astimezone(SHANGHAI)
        day, clock = local.date(), local.time()
        if not self.is_working_day(day):
            day, clock = self.next_working_day(day), time(0)
        for _ in range(working_days):
            day = self.next_working_day(day)
        return datetime.combine(day, clock, tzinfo=SHANGHAI)


def parse_dates(value: str) -> list[date]:
    """``2026-10-01,2026-10-02`` -> dates; ranges as ``2026-10-01..2026-10-07``."""
    days: list[date] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if ".." in item:
            start_text, end_text = item.split("..", 1)
            start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
            days += [start + timedelta(days=n) for n in range((end - start).days + 1)]
        else:
            days.append(date.fromisoformat(item))
    return days
