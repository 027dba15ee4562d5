"""Certificate types, number formats, resident ID parsing and validity periods (P1a-P1c)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from uidp.domain.certificates import (
    CertificateType,
    Gender,
    RegistrationRoute,
    ResidentId,
    ValidityPeriod,
    certificate_valid_until,
    check_birth_date,
    check_certificate_validity,
    gb11643_check_char,
    normalize_certificate_number,
    parse_resident_id,
)
from uidp.domain.errors import DomainError, ErrorCode

TODAY = date(2026, 11, 29)


def check_char(first17: str) -> str:
    """Independent GB 11643-1999 check character: ISO 7064 MOD 11-2 computed from powers of 2."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(region: str = "420102", birth: str = "19900101", seq: str = "121") -> str:
    body = region + birth + seq
    return body + check_char(body)


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def raises(code: ErrorCode, field: str, func: Callable[..., object], /, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        func(*args, **kwargs)
    assert info.value.code is code, info.value.message
    assert info.value.field == field
    assert info.value.message
    return info.value


# --- resident ID ---------------------------------------------------------------------------------------


def test_helper_matches_known_real_world_example() -> None:
    # The GB 11643 textbook example 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    assert gb11643_check_char("11010519491231002") == "X"


def test_module_check_char_agrees_with_independent_helper() -> None:
    for seq in range(100, 200):
        body = f"42010219900101{seq}"
        assert gb11643_check_char(body) == check_char(body)


def test_parse_valid_resident_id() -> None:
    number = make_id()
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed == ResidentId(number=number, region_code="420102", birth_date=date(1990, 1, 1), gender=Gender.MALE)


def test_gender_from_17th_digit() -> None:
    assert parse_resident_id(make_id(seq="131"), today=TODAY).gender is Gender.MALE
    assert parse_resident_id(make_id(seq="132"), today=TODAY).gender is Gender.FEMALE
    assert Gender.MALE.label == "男"
    assert Gender.FEMALE.label == "女"


def test_lowercase_x_and_spaces_are_normalised() -> None:
    number = "11010519491231002X"
    raw = " 110105 19491231 002x "
    assert parse_resident_id(raw, today=TODAY).number == number
    assert normalize_certificate_number(CertificateType.RESIDENT_ID, raw) == number


def test_full_width_digits_are_folded() -> None:
    number = make_id()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_resident_id(full_width, today=TODAY).number == number


def test_wrong_check_digit() -> None:
    error = raises(
        ErrorCode.INVALID_ID_NUMBER,
        "certificateNumber",
        parse_resident_id,
        wrong_check(make_id()),
        today=TODAY,
    )
    assert "校验位" in error.message


@pytest.mark.parametrize(
    "raw",
    ["42010219900101121", "4201021990010112100", "42010219900101121A", "4201021990O101121X"],
)
def test_bad_length_or_characters(raw: str) -> None:
    error = raises(ErrorCode.INVALID_ID_NUMBER, "certificateNumber", parse_resident_id, raw, today=TODAY)
    assert "校验位" not in error.message


def test_custom_field_name() -> None:
    raises(ErrorCode.INVALID_ID_NUMBER, "idNumber", parse_resident_id, "123", today=TODAY, field="idNumber")


def test_impossible_birth_date() -> None:
    number = make_id(birth="19990230")
    raises(ErrorCode.INVALID_BIRTH_DATE, "certificateNumber", parse_resident_id, number, today=TODAY)
    raises(
        ErrorCode.INVALID_BIRTH_DATE,
        "certificateNumber",
        normalize_certificate_number,
        CertificateType.RESIDENT_ID,
        number,
    )


def test_future_birth_date() -> None:
    raises(
        ErrorCode.INVALID_BIRTH_DATE,
        "certificateNumber",
        parse_resident_id,
        make_id(birth="20261130"),
        today=TODAY,
    )
    born_today = parse_resident_id(make_id(birth="20261129"), today=TODAY)
    assert born_today.birth_date == TODAY


def test_birth_before_1900() -> None:
    raises(
        ErrorCode.INVALID_BIRTH_DATE,
        "certificateNumber",
        parse_resident_id,
        make_id(birth="18991231"),
        today=TODAY,
    )
    assert parse_resident_id(make_id(birth="19000101"), today=TODAY).birth_date == date(1900, 1, 1)


def test_leap_day_birth() -> None:
    assert parse_resident_id(make_id(birth="20000229"), today=TODAY).birth_date == date(2000, 2, 29)
    raises(
        ErrorCode.INVALID_BIRTH_DATE,
        "certificateNumber",
        parse_resident_id,
        make_id(birth="19000229"),
        today=TODAY,
    )


@pytest.mark.parametrize("province", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65"])
def test_valid_provinces(province: str) -> None:
    parse_resident_id(make_id(region=province + "0102"), today=TODAY)


@pytest.mark.parametrize("province", ["71", "81", "82", "83", "91"])
def test_special_region_codes(province: str) -> None:
    parse_resident_id(make_id(region=province + "0000"), today=TODAY)


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66", "99"])
def test_invalid_provinces(province: str) -> None:
    error = raises(
        ErrorCode.INVALID_ID_NUMBER,
        "certificateNumber",
        parse_resident_id,
        make_id(region=province + "0102"),
        today=TODAY,
    )
    assert "地区" in error.message


# --- other certificate types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cert_type", "raw", "expected"),
    [
        (CertificateType.HK_MACAO_PERMIT, "H12345678", "H12345678"),
        (CertificateType.HK_MACAO_PERMIT, "m1234567801", "M1234567801"),
        (CertificateType.HK_MACAO_PERMIT, " H 1234 5678 ", "H12345678"),
        (CertificateType.TAIWAN_PERMIT, "12345678", "12345678"),
        (CertificateType.TAIWAN_PERMIT, "1234567890", "1234567890"),
        (CertificateType.FOREIGN_PASSPORT, "e1234567", "E1234567"),
        (CertificateType.FOREIGN_PASSPORT, "AB123", "AB123"),
        (CertificateType.FOREIGN_PASSPORT, "A" * 20, "A" * 20),
        (CertificateType.FOREIGN_PERMANENT_RESIDENCE, "usa123456789012", "USA123456789012"),
        (CertificateType.OTHER, "ab-12", "AB-12"),
        (CertificateType.OTHER, "A" * 30, "A" * 30),
        (CertificateType.OTHER, "1234", "1234"),
    ],
)
def test_valid_numbers(cert_type: CertificateType, raw: str, expected: str) -> None:
    assert normalize_certificate_number(cert_type, raw) == expected


@pytest.mark.parametrize(
    ("cert_type", "raw"),
    [
        (CertificateType.HK_MACAO_PERMIT, "A12345678"),
        (CertificateType.HK_MACAO_PERMIT, "H1234567"),
        (CertificateType.HK_MACAO_PERMIT, "H123456789"),
        (CertificateType.HK_MACAO_PERMIT, "H123456789012"),
        (CertificateType.HK_MACAO_PERMIT, "12345678"),
        (CertificateType.TAIWAN_PERMIT, "1234567"),
        (CertificateType.TAIWAN_PERMIT, "123456789"),
        (CertificateType.TAIWAN_PERMIT, "12345678901"),
        (CertificateType.TAIWAN_PERMIT, "T1234567"),
        (CertificateType.FOREIGN_PASSPORT, "AB12"),
        (CertificateType.FOREIGN_PASSPORT, "A" * 21),
        (CertificateType.FOREIGN_PASSPORT, "AB-1234"),
        (CertificateType.FOREIGN_PASSPORT, "护照12345"),
        (CertificateType.FOREIGN_PERMANENT_RESIDENCE, "US123456789012"),
        (CertificateType.FOREIGN_PERMANENT_RESIDENCE, "USA12345678901"),
        (CertificateType.FOREIGN_PERMANENT_RESIDENCE, "123456789012345678"),
        (CertificateType.OTHER, "AB1"),
        (CertificateType.OTHER, "A" * 31),
        (CertificateType.OTHER, "AB_12"),
        (CertificateType.OTHER, "----"),
    ],
)
def test_invalid_permit_numbers(cert_type: CertificateType, raw: str) -> None:
    raises(ErrorCode.INVALID_PERMIT_NUMBER, "certificateNumber", normalize_certificate_number, cert_type, raw)


@pytest.mark.parametrize("cert_type", list(CertificateType))
@pytest.mark.parametrize("raw", ["", "   "])
def test_an_empty_number_is_required_for_every_type(cert_type: CertificateType, raw: str) -> None:
    """Nothing typed is REQUIRED, as for every other field (issue 8: one situation, one code)."""
    raises(ErrorCode.REQUIRED, "certificateNumber", normalize_certificate_number, cert_type, raw)
    if cert_type is CertificateType.RESIDENT_ID:
        raises(ErrorCode.REQUIRED, "certificateNumber", parse_resident_id, raw, today=TODAY)


def test_new_permanent_residence_card() -> None:
    number = make_id(region="931156", birth="19800101", seq="123")  # '9' + 16 digits + check
    assert normalize_certificate_number(CertificateType.FOREIGN_PERMANENT_RESIDENCE, number.lower()) == number
    raises(
        ErrorCode.INVALID_PERMIT_NUMBER,
        "certificateNumber",
        normalize_certificate_number,
        CertificateType.FOREIGN_PERMANENT_RESIDENCE,
        wrong_check(number),
    )


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_residence_permit_valid(region: str) -> None:
    number = make_id(region=region, birth="19850615", seq="007")
    assert normalize_certificate_number(CertificateType.HMT_RESIDENCE_PERMIT, number) == number


@pytest.mark.parametrize(
    "raw",
    [
        make_id(region="420102"),  # mainland region
        make_id(region="810001"),
        wrong_check(make_id(region="810000")),
        "81000019850615007",
        "H12345678",
    ],
)
def test_residence_permit_invalid(raw: str) -> None:
    raises(
        ErrorCode.INVALID_ID_NUMBER,
        "certificateNumber",
        normalize_certificate_number,
        CertificateType.HMT_RESIDENCE_PERMIT,
        raw,
    )


def test_permit_custom_field() -> None:
    raises(
        ErrorCode.INVALID_PERMIT_NUMBER,
        "permitNumber",
        normalize_certificate_number,
        CertificateType.TAIWAN_PERMIT,
        "x",
        field="permitNumber",
    )


def test_labels_and_routes() -> None:
    assert CertificateType.RESIDENT_ID.label == "居民身份证"
    assert CertificateType.HK_MACAO_PERMIT.label == "港澳居民来往内地通行证"
    assert CertificateType.TAIWAN_PERMIT.label == "台湾居民来往大陆通行证"
    assert CertificateType.HMT_RESIDENCE_PERMIT.label == "港澳台居民居住证"
    assert CertificateType.FOREIGN_PASSPORT.label == "外国护照"
    assert CertificateType.FOREIGN_PERMANENT_RESIDENCE.label == "外国人永久居留身份证"
    assert CertificateType.OTHER.label == "其他证件"
    routes = {t: t.registration_route for t in CertificateType}
    assert routes == {
        CertificateType.RESIDENT_ID: "ID_CARD",
        CertificateType.HK_MACAO_PERMIT: "PERMIT",
        CertificateType.TAIWAN_PERMIT: "PERMIT",
        CertificateType.HMT_RESIDENCE_PERMIT: "PERMIT",
        CertificateType.FOREIGN_PASSPORT: "MANUAL",
        CertificateType.FOREIGN_PERMANENT_RESIDENCE: "MANUAL",
        CertificateType.OTHER: "MANUAL",
    }
    assert RegistrationRoute.MANUAL == "MANUAL"


def test_check_birth_date() -> None:
    check_birth_date(TODAY, today=TODAY)
    check_birth_date(date(1900, 1, 1), today=TODAY)
    raises(ErrorCode.INVALID_BIRTH_DATE, "birthDate", check_birth_date, date(2026, 11, 30), today=TODAY)
    raises(ErrorCode.INVALID_BIRTH_DATE, "birthDate", check_birth_date, date(1899, 12, 31), today=TODAY)


# --- validity periods ----------------------------------------------------------------------------------


def test_valid_until() -> None:
    start = date(2016, 3, 1)
    assert certificate_valid_until(start, ValidityPeriod.YEARS_5) == date(2021, 3, 1)
    assert certificate_valid_until(start, ValidityPeriod.YEARS_10) == date(2026, 3, 1)
    assert certificate_valid_until(start, ValidityPeriod.YEARS_20) == date(2036, 3, 1)
    assert certificate_valid_until(start, ValidityPeriod.LONG_TERM) is None


def test_valid_until_feb_29() -> None:
    assert certificate_valid_until(date(2016, 2, 29), ValidityPeriod.YEARS_5) == date(2021, 2, 28)
    assert certificate_valid_until(date(2016, 2, 29), ValidityPeriod.YEARS_20) == date(2036, 2, 29)


def test_period_labels() -> None:
    assert [p.label for p in ValidityPeriod] == ["5年", "10年", "20年", "长期"]
    assert ValidityPeriod.LONG_TERM.years is None


def test_expired_five_year_card() -> None:
    error = raises(
        ErrorCode.CERTIFICATE_EXPIRED,
        "validFrom",
        check_certificate_validity,
        date(2020, 3, 1),
        ValidityPeriod.YEARS_5,
        today=date(2025, 3, 2),
    )
    assert "2025-03-01" in error.message
    assert error.details["valid_until"] == date(2025, 3, 1)


def test_last_valid_day_still_valid() -> None:
    until = check_certificate_validity(date(2020, 3, 1), ValidityPeriod.YEARS_5, today=date(2025, 3, 1))
    assert until == date(2025, 3, 1)


def test_feb_29_start_expires_feb_28() -> None:
    assert check_certificate_validity(date(2016, 2, 29), ValidityPeriod.YEARS_5, today=date(2021, 2, 28))
    raises(
        ErrorCode.CERTIFICATE_EXPIRED,
        "validFrom",
        check_certificate_validity,
        date(2016, 2, 29),
        ValidityPeriod.YEARS_5,
        today=date(2021, 3, 1),
    )


def test_long_term_never_expires() -> None:
    assert check_certificate_validity(date(1990, 1, 1), ValidityPeriod.LONG_TERM, today=TODAY) is None


def test_future_start() -> None:
    raises(
        ErrorCode.INVALID_VALIDITY,
        "validFrom",
        check_certificate_validity,
        date(2026, 11, 30),
        ValidityPeriod.YEARS_10,
        today=TODAY,
    )
    assert check_certificate_validity(TODAY, ValidityPeriod.YEARS_10, today=TODAY) == date(2036, 11, 29)


def test_start_before_birth() -> None:
    raises(
        ErrorCode.INVALID_VALIDITY,
        "validFrom",
        check_certificate_validity,
        date(2019, 12, 31),
        ValidityPeriod.YEARS_20,
        today=TODAY,
        birth_date=date(2020, 1, 1),
    )
    check_certificate_validity(
        date(2020, 1, 1), ValidityPeriod.YEARS_5, today=date(2024, 1, 1), birth_date=date(2020, 1, 1)
    )


def test_validity_custom_field() -> None:
    raises(
        ErrorCode.INVALID_VALIDITY,
        "validityStart",
        check_certificate_validity,
        date(2030, 1, 1),
        ValidityPeriod.LONG_TERM,
        today=TODAY,
        field="validityStart",
    )
