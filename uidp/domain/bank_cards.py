"""Bank cards for the four-element check (P7 中级认证, P9b): card numbers, outcomes and their Chinese wording.

Card numbers are Luhn-checked (ISO/IEC 7812) before any provider is asked. The manual (§1.4.1) allows
class-I accounts only (一类账户); a provider reports class-II/III cards as ACCOUNT_CLASS_NOT_ALLOWED.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from uidp.domain.errors import DomainError, ErrorCode

CARD_MIN_DIGITS = 13
CARD_MAX_DIGITS = 19
_SEPARATORS = re.compile(r"[\s\-]+")


class BankCheckStatus(StrEnum):
    """A stored check: waiting for the provider (认证中), matched (已认证) or failed (认证失败)."""

    PENDING = "PENDING"
    MATCHED = "MATCHED"
    FAILED = "FAILED"

    @property
    def label(self) -> str:
        return {"PENDING": "认证中", "MATCHED": "已认证", "FAILED": "认证失败"}[self.value]


class MismatchReason(StrEnum):
    """Why a check failed. The first five are the provider vocabulary of ``uidp.ports.BankCardResult``."""

    NAME_MISMATCH = "NAME_MISMATCH"
    CERTIFICATE_MISMATCH = "CERTIFICATE_MISMATCH"
    PHONE_MISMATCH = "PHONE_MISMATCH"
    ACCOUNT_CLASS_NOT_ALLOWED = "ACCOUNT_CLASS_NOT_ALLOWED"
    CARD_INVALID = "CARD_INVALID"
    EXPIRED = "EXPIRED"  # ours: the provider never answered a pending check in time
    OTHER = "OTHER"  # ours: a reason the provider gave that we do not know

    @property
    def message(self) -> str:
        return _REASON_MESSAGES[self]

    @classmethod
    def of(cls, code: str | None) -> MismatchReason:
        """The known reason for a provider's code; anything else is OTHER."""
        try:
            return cls(code or "")
        except ValueError:
            return cls.OTHER


_REASON_MESSAGES = {
    MismatchReason.NAME_MISMATCH: "姓名不一致",
    MismatchReason.CERTIFICATE_MISMATCH: "证件号码不一致",
    MismatchReason.PHONE_MISMATCH: "预留手机号不一致",
    MismatchReason.ACCOUNT_CLASS_NOT_ALLOWED: "仅支持I类银行账户，II类、III类账户不能认证",
    MismatchReason.CARD_INVALID: "银行卡无效或状态异常",
    MismatchReason.EXPIRED: "银行长时间未返回结果，请重新认证",
    MismatchReason.OTHER: "银行卡信息核验未通过",
}


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (only ASCII digits, at least 2) passes the Luhn (mod 10) check."""
    if len(digits) < 2 or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial`` + digit Luhn-valid (for test cards and documentation)."""
    if not partial.isascii() or not partial.isdigit():
        raise ValueError("digits only")
    for digit in "0123456789":
        if luhn_valid(partial + digit):
            return digit
    raise AssertionError("unreachable: one digit always fits")


def normalize_card_number(raw: str, field: str = "cardNumber") -> str:
    """The card number as digits only (spaces and hyphens dropped, full-width digits folded).

    REQUIRED when empty; INVALID_BANK_CARD when it is not 13-19 digits or fails the Luhn check. The message
    never repeats the number.
    """
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not number:
        raise DomainError(ErrorCode.REQUIRED, "请输入银行卡号", field)
    if not (number.isascii() and number.isdigit()) or not CARD_MIN_DIGITS <= len(number) <= CARD_MAX_DIGITS:
        raise DomainError(ErrorCode.INVALID_BANK_CARD, "请输入正确的银行卡号（13-19位数字）", field)
    if not luhn_valid(number):
        raise DomainError(ErrorCode.INVALID_BANK_CARD, "银行卡号校验失败，请核对后重新输入", field)
    return number
