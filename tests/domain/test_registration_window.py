"""Out-of-province registration window (P1d)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.domain.registration_window import RegistrationWindow, check_registration_window

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW = RegistrationWindow()
OUT_OF_PROVINCE = "110105"  # Beijing
IN_PROVINCE = "420102"  # Wuhan


def at(hour: int, minute: int, day: int = 29) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("hour", "minute"), [(8, 0), (12, 0), (17, 59)])
def test_out_of_province_inside_window(hour: int, minute: int) -> None:
    check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=at(hour, minute))


@pytest.mark.parametrize(("hour", "minute"), [(0, 0), (7, 59), (18, 0), (23, 59)])
def test_in_province_always_allowed(hour: int, minute: int) -> None:
    check_registration_window(WINDOW, region_code=IN_PROVINCE, now=at(hour, minute))


def test_before_opening_comes_back_today() -> None:
    with pytest.raises(DomainError) as info:
        check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=at(7, 59))
    error = info.value
    assert error.code is ErrorCode.OUTSIDE_REGISTRATION_WINDOW
    assert error.field == "certificateNumber"
    assert error.message == "省外用户请在每日08:00-18:00（北京时间）注册，请于2026-11-29 08:00后再来"
    assert error.details["opens_at"] == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert error.details["opens_at"].utcoffset() == timedelta(0)


def test_at_closing_comes_back_tomorrow() -> None:
    with pytest.raises(DomainError) as info:
        check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=at(18, 0))
    assert info.value.code is ErrorCode.OUTSIDE_REGISTRATION_WINDOW
    assert "2026-11-30 08:00" in info.value.message
    assert info.value.details["opens_at"] == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def test_month_end_rolls_over() -> None:
    with pytest.raises(DomainError) as info:
        check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=at(22, 30, day=30))
    assert info.value.details["opens_at"] == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_now_in_utc_is_converted() -> None:
    # 23:59 UTC is 07:59 next day in Shanghai: closed; 00:00 UTC is 08:00: open.
    with pytest.raises(DomainError):
        check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=datetime(2026, 11, 28, 23, 59, tzinfo=UTC))
    check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=datetime(2026, 11, 29, 0, 0, tzinfo=UTC))
    # 10:00 UTC is 18:00 Shanghai: closed.
    with pytest.raises(DomainError):
        check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    # any fixed offset works too
    check_registration_window(
        WINDOW,
        region_code=OUT_OF_PROVINCE,
        now=datetime(2026, 11, 29, 9, 0, tzinfo=timezone(timedelta(hours=9))),
    )


def test_full_id_number_works_as_region_code() -> None:
    check_registration_window(WINDOW, region_code="420102199001011211", now=at(3, 0))


def test_custom_window_and_province() -> None:
    window = RegistrationWindow(opens=time(9, 30), closes=time(17), home_province="11")
    check_registration_window(window, region_code="110105", now=at(3, 0))
    with pytest.raises(DomainError) as info:
        check_registration_window(window, region_code="420102", now=at(9, 29))
    assert "09:30-17:00" in info.value.message
    assert "2026-11-29 09:30" in info.value.message


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        check_registration_window(WINDOW, region_code=OUT_OF_PROVINCE, now=datetime(2026, 11, 29, 12, 0))


def test_bad_window_settings() -> None:
    with pytest.raises(ValueError):
        RegistrationWindow(opens=time(18), closes=time(8))
    with pytest.raises(ValueError):
        RegistrationWindow(home_province="4")
    with pytest.raises(Exception):  # noqa: B017 - ZoneInfoNotFoundError
        RegistrationWindow(timezone="Mars/Olympus")


def test_assurance_levels() -> None:
    assert [(level.value, level.label) for level in AssuranceLevel] == [(1, "初级"), (2, "中级"), (3, "高级")]
    assert AssuranceLevel.BASIC < AssuranceLevel.MEDIUM < AssuranceLevel.HIGH
