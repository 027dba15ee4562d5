"""Bank-card rules (P7): the Luhn check, normalisation, reasons and labels."""

from __future__ import annotations

import pytest

from uidp.domain.bank_cards import (
    BankCheckStatus,
    MismatchReason,
    luhn_check_digit,
    luhn_valid,
    normalize_card_number,
)
from uidp.domain.errors import DomainError, ErrorCode

# Published Luhn examples and real-format UnionPay numbers.
VALID = ["79927398713", "4111111111111111", "6222021234567890128", "6217000000000000012", "6212262201000004"]


@pytest.mark.parametrize("number", VALID)
def test_luhn_accepts_valid_numbers(number):
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number", ["79927398710", "4111111111111112", "6222021234567890123", "", "7", "１２３４", "41111111111111a1"]
)
def test_luhn_refuses_the_rest(number):
    assert not luhn_valid(number)


def test_every_single_digit_error_is_caught():
    number = "6222021234567890128"
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                assert not luhn_valid(number[:position] + digit + number[position + 1 :])


def test_check_digit_completes_a_number():
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("621700000000000001") == "2"
    with pytest.raises(ValueError):
        luhn_check_digit("12a")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6222 0212 3456 7890 128", "6222021234567890128"),
        ("6222-0212-3456-7890-128", "6222021234567890128"),
        ("６２２２０２１２３４５６７８９０１２８", "6222021234567890128"),  # full-width digits from an IME
        (" 4111111111111111 ", "4111111111111111"),
    ],
)
def test_normalize_keeps_digits(raw, expected):
    assert normalize_card_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", ErrorCode.REQUIRED),
        ("   ", ErrorCode.REQUIRED),
        ("6222021234567890123", ErrorCode.INVALID_BANK_CARD),  # Luhn
        ("622202123456", ErrorCode.INVALID_BANK_CARD),  # too short
        ("62220212345678901234", ErrorCode.INVALID_BANK_CARD),  # too long
        ("6222O21234567890128", ErrorCode.INVALID_BANK_CARD),  # letter O
    ],
)
def test_normalize_refuses(raw, code):
    with pytest.raises(DomainError) as refused:
        normalize_card_number(raw)
    assert refused.value.code == code
    assert refused.value.field == "cardNumber"
    assert "6222" not in refused.value.message  # the number is never echoed


def test_reasons_and_labels_are_chinese():
    assert MismatchReason.NAME_MISMATCH.message == "姓名不一致"
    assert MismatchReason.CERTIFICATE_MISMATCH.message == "证件号码不一致"
    assert MismatchReason.PHONE_MISMATCH.message == "预留手机号不一致"
    assert "I类" in MismatchReason.ACCOUNT_CLASS_NOT_ALLOWED.message
    assert MismatchReason.of("SOMETHING_NEW") is MismatchReason.OTHER
    assert MismatchReason.of(None) is MismatchReason.OTHER
    labels = [status.label for status in BankCheckStatus]
    assert labels == ["认证中", "已认证", "认证失败"]
