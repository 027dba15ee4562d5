"""Out-of-province registration window (温馨提示 §1, P1d).

Mainland residents whose ID region lies outside the home province may register only during the daily
window (default 08:00-18:00 Asia/Shanghai); residents of the home province may register at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from uidp.domain.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class RegistrationWindow:
    """Daily window [opens, closes) in ``timezone`` for IDs outside ``home_province`` (2-digit code)."""

    opens: time = time(8)
    closes: time = time(18)
    home_province: str = "42"
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("registration window must open before it closes")
        if len(self.home_province) != 2 or not self.home_province.isdigit():
            raise ValueError("home_province must be a 2-digit province code")
        ZoneInfo(self.timezone)  # fail early on an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        """The window's time zone."""
        return ZoneInfo(self.timezone)

    def next_opening(self, now: datetime) -> datetime:
        """The first opening after ``now`` (today's if before opening time), aware, in the window's zone."""
        local = _aware(now).astimezone(self.zone)
        day = local.date() if local.time() < self.opens else local.date() + timedelta(days=1)
        return datetime.combine(day, self.opens, tzinfo=self.zone)

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` falls inside the daily window."""
        local_time = _aware(now).astimezone(self.zone).time()
        return self.opens <= local_time < self.closes


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def _zone_label(timezone: str) -> str:
    return "北京时间" if timezone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else timezone


def check_registration_window(window: RegistrationWindow, *, region_code: str, now: datetime) -> None:
    """Refuse an out-of-province ID outside the window (OUTSIDE_REGISTRATION_WINDOW, field certificateNumber).

    ``region_code`` is the ID's region code (or the ID number itself; only the first 2 digits count).
    The error's ``details["opens_at"]`` is the next opening as an aware UTC datetime.
    """
    if region_code[:2] == window.home_province or window.is_open(now):
        return
    opens_at = window.next_opening(now)
    message = (
        f"省外用户请在每日{window.opens:%H:%M}-{window.closes:%H:%M}（{_zone_label(window.timezone)}）注册，"
        f"请于{opens_at:%Y-%m-%d %H:%M}后再来"
    )
    raise DomainError(
        ErrorCode.OUTSIDE_REGISTRATION_WINDOW,
        message,
        field="certificateNumber",
        opens_at=opens_at.astimezone(UTC),
    )
