"""Password policy (X3): 8-18 characters with upper, lower, digit and special; no phone or ID inside."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from uidp.domain.errors import DomainError, ErrorCode

DEFAULT_BLOCKLIST: frozenset[str] = frozenset(
    {
        "Password1!",
        "Passw0rd!",
        "P@ssw0rd",
        "P@ssw0rd1",
        "P@ssword1",
        "Password@123",
        "Password123!",
        "Aa123456!",
        "Aa123456@",
        "Aa@123456",
        "Aa@12345",
        "Aa12345678!",
        "Aa111111!",
        "Admin@123",
        "Admin123!",
        "Admin@1234",
        "Admin@123456",
        "Abc@1234",
        "Abcd@1234",
        "Abc@123456",
        "Qwer1234!",
        "Qwer@1234",
        "Qwe@1234",
        "Qwerty@123",
        "Qwerty123!",
        "Zxcv@1234",
        "1qaz@WSX",
        "1qaz!QAZ",
        "Welcome@123",
        "Welcome1!",
        "Root@123",
        "Test@123",
        "Huawei@123",
        "Woaini@520",
        "Iloveyou1!",
    }
)
"""Well-known weak passwords that nevertheless meet the composition rules (compared case-insensitively)."""


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


_CLASS_LABELS = (
    ("upper", "大写字母"),
    ("lower", "小写字母"),
    ("digit", "数字"),
    ("special", "特殊字符"),
)


@dataclass(frozen=True)
class PasswordPolicy:
    """Password rules; the default is the manual's (8-18 characters, upper, lower, digit, special)."""

    min_length: int = 8
    max_length: int = 18
    require_upper: bool = True
    require_lower: bool = True
    require_digit: bool = True
    require_special: bool = True
    blocklist: frozenset[str] = field(default=DEFAULT_BLOCKLIST)

    def __post_init__(self) -> None:
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError("password policy needs 1 <= min_length <= max_length")
        # Compare case-insensitively and width-insensitively, whatever the caller passed.
        object.__setattr__(self, "blocklist", frozenset(_fold(p) for p in self.blocklist))

    def required_classes(self) -> list[str]:
        """Chinese names of the required character classes, in display order."""
        wanted = {
            "upper": self.require_upper,
            "lower": self.require_lower,
            "digit": self.require_digit,
            "special": self.require_special,
        }
        return [label for key, label in _CLASS_LABELS if wanted[key]]

    def describe(self) -> str:
        """Chinese hint for the password field.

        The default policy gives 请输入8-18位包含大写字母、小写字母、数字和特殊字符的密码.
        """
        labels = self.required_classes()
        if not labels:
            return f"请输入{self.min_length}-{self.max_length}位的密码"
        return f"请输入{self.min_length}-{self.max_length}位包含{_join(labels)}的密码"


def _join(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return "、".join(labels[:-1]) + "和" + labels[-1]


def _char_classes(password: str) -> set[str]:
    found: set[str] = set()
    for ch in password:
        category = unicodedata.category(ch)
        if ch.isupper():
            found.add("upper")
        elif ch.islower():
            found.add("lower")
        elif category == "Nd":
            found.add("digit")
        elif category[0] in "PS":  # punctuation or symbol, ASCII or not
            found.add("special")
    return found


def _weak(message: str, field: str, reason: str) -> DomainError:
    return DomainError(ErrorCode.WEAK_PASSWORD, message, field=field, reason=reason)


def check_password(
    password: str,
    confirmation: str,
    *,
    policy: PasswordPolicy,
    phone: str | None = None,
    certificate_number: str | None = None,
    field: str = "password",
    confirmation_field: str = "passwordConfirmation",
) -> str:
    """Check a new password and its confirmation against ``policy``; return the NFC-normalised password.

    The password itself is checked first (WEAK_PASSWORD on ``field``, with ``details["reason"]`` one of
    length, whitespace, classes, blocklist, contains_phone, contains_certificate), then the confirmation
    (PASSWORD_MISMATCH on ``confirmation_field``).
    """
    password = unicodedata.normalize("NFC", password or "")
    confirmation = unicodedata.normalize("NFC", confirmation or "")

    if not policy.min_length <= len(password) <= policy.max_length:
        raise _weak(f"密码长度须为{policy.min_length}-{policy.max_length}位", field, "length")
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in password):
        raise _weak("密码不能包含空格或控制字符", field, "whitespace")
    labels = policy.required_classes()
    found = {label for key, label in _CLASS_LABELS if key in _char_classes(password)}
    missing = [label for label in labels if label not in found]
    if missing:
        raise _weak(f"密码须包含{_join(labels)}，当前缺少{_join(missing)}", field, "classes")
    folded = _fold(password)
    if folded in policy.blocklist:
        raise _weak("密码过于常见，请换一个更复杂的密码", field, "blocklist")
    if phone and _fold(phone) in folded:
        raise _weak("密码不能包含手机号", field, "contains_phone")
    if certificate_number and _fold(certificate_number) in folded:
        raise _weak("密码不能包含证件号码", field, "contains_certificate")
    if password != confirmation:
        raise DomainError(ErrorCode.PASSWORD_MISMATCH, "两次输入的密码不一致", field=confirmation_field)
    return password
