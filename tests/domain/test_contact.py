"""Mainland mobile numbers and real names."""

from __future__ import annotations

import pytest

from uidp.domain.contact import normalize_name, normalize_phone
from uidp.domain.errors import DomainError, ErrorCode


@pytest.mark.parametrize(
    "raw",
    [
        "15012340058",
        " 150 1234 0058 ",
        "150-1234-0058",
        "+8615012340058",
        "+86 150 1234 0058",
        "8615012340058",
        "008615012340058",
        "１５０１２３４００５８",
    ],
)
def test_valid_phones(raw: str) -> None:
    assert normalize_phone(raw) == "15012340058"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_all_mobile_prefixes(prefix: str) -> None:
    assert normalize_phone(prefix + "012345678") == prefix + "012345678"


@pytest.mark.parametrize(
    "raw",
    [
        "12012340058",  # 12x is not a mobile range
        "1501234005",
        "150123400588",
        "25012340058",
        "027-88881234",  # landline
        "+85291234567",  # Hong Kong
        "+1 4155550100",
        "1501234005a",
        "86150123400",  # 86 prefix only stripped when 11 digits follow
    ],
)
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(DomainError) as info:
        normalize_phone(raw)
    assert info.value.code is ErrorCode.INVALID_PHONE
    assert info.value.field == "phone"
    assert info.value.message


def test_phone_custom_field() -> None:
    with pytest.raises(DomainError) as info:
        normalize_phone("123", field="newPhone")
    assert info.value.field == "newPhone"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("陈心", "陈心"),
        ("  欧阳娜娜 ", "欧阳娜娜"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),  # bullet normalised
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),  # katakana middle dot normalised
        ("阿卜杜 · 热合曼", "阿卜杜·热合曼"),
        ("John   Smith", "John Smith"),
        ("John\tSmith", "John Smith"),
        ("Mary-Jane O'Neil", "Mary-Jane O'Neil"),
        ("Mary-Jane O’Neil", "Mary-Jane O'Neil"),
        ("Martin Luther King Jr.", "Martin Luther King Jr."),
        ("José Müller", "José Müller"),
        ("Jose\u0301", "José"),  # NFC composes
        ("Иван Петров", "Иван Петров"),
        ("김민준", "김민준"),
        ("山田 太郎", "山田 太郎"),
        ("Al", "Al"),
    ],
)
def test_valid_names(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "陈",  # one character
        "A",
        "陈心1",
        "John Smith2",
        "陈心！",
        "陈<script>",
        "陈_心",
        "·陈心",
        "陈心·",
        "-陈心",
        "陈\u0000心",
        "陈" * 51,
    ],
)
def test_invalid_names(raw: str) -> None:
    with pytest.raises(DomainError) as info:
        normalize_name(raw)
    assert info.value.code is ErrorCode.INVALID_NAME
    assert info.value.field == "name"
    assert info.value.message


def test_name_length_bounds() -> None:
    assert normalize_name("陈" * 50) == "陈" * 50
    with pytest.raises(DomainError) as info:
        normalize_name("陈" * 51)
    assert "2-50" in info.value.message


def test_name_digit_message_and_custom_field() -> None:
    with pytest.raises(DomainError) as info:
        normalize_name("张三3", field="contactName")
    assert info.value.field == "contactName"
    assert "数字" in info.value.message


@pytest.mark.parametrize("raw", ["", "   "])
def test_an_empty_phone_or_name_is_required(raw: str) -> None:
    """Nothing typed is REQUIRED, as for every other field (issue 8: one situation, one code)."""
    for normalize, field in ((normalize_phone, "phone"), (normalize_name, "name")):
        with pytest.raises(DomainError) as info:
            normalize(raw)
        assert (info.value.code, info.value.field) == (ErrorCode.REQUIRED, field)
