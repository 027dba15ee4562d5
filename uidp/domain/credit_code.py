"""The unified social credit code (统一社会信用代码, GB 32100-2015) of legal persons (E1, E2).

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):

- 1: registration authority (登记管理部门, e.g. ``9`` 工商, ``1`` 机构编制, ``5`` 民政);
- 2: category within that authority (机构类别, e.g. ``1`` 企业, ``2`` 个体工商户);
- 3-8: the administrative division code (登记管理机关行政区划码), six digits;
- 9-17: the organisation code (主体标识码, GB 11714), whose 9th character is its own check character;
- 18: the GB 32100 check character over characters 1-17.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from uidp.domain.errors import DomainError, ErrorCode

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
VALUES = {char: value for value, char in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18

FORMAT_MESSAGE = "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）"
CHECK_MESSAGE = "统一社会信用代码校验位错误，请核对后重新输入"
_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}


@dataclass(frozen=True)
class CreditCode:
    """A checked credit code and its parts."""

    code: str

    @property
    def authority(self) -> str:
        return self.code[0]

    @property
    def category(self) -> str:
        return self.code[1]

    @property
    def region_code(self) -> str:
        return self.code[2:8]

    @property
    def organisation_code(self) -> str:
        return self.code[8:17]


def organisation_check_char(first8: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters (0-9, A-Z = 10-35)."""
    total = sum(_org_value(char) * weight for char, weight in zip(first8, ORGANISATION_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def make_credit_code(prefix: str, region_code: str, organisation_base: str) -> str:
    """Build a valid code from authority + category (``"91"``), region (``"420100"``) and 8 organisation characters.

    Both check characters are computed; for tests and the sandbox registry's table.
    """
    organisation = organisation_base + organisation_check_char(organisation_base)
    first17 = prefix + region_code + organisation
    return first17 + credit_code_check_char(first17)


@lru_cache(maxsize=2048)  # pure; connected systems ask about the same few entities again and again
def normalize_credit_code(raw: str | None, field: str = "creditCode") -> str:
    """Upper-case, fold full-width characters, drop spaces and hyphens, then check form and both check characters.

    Raises INVALID_CREDIT_CODE: one message for length or characters, another for a wrong check character (a
    refusal is not remembered: each one is worked out again).
    """
    cleaned = "".join(_FULL_WIDTH.get(char, char) for char in (raw or "")).upper()
    cleaned = "".join(char for char in cleaned if not char.isspace() and char != "-")
    if not cleaned:
        raise DomainError(ErrorCode.REQUIRED, "请输入统一社会信用代码", field)
    if len(cleaned) != LENGTH or any(char not in VALUES for char in cleaned) or not cleaned[2:8].isdigit():
        raise DomainError(ErrorCode.INVALID_CREDIT_CODE, FORMAT_MESSAGE, field)
    if organisation_check_char(cleaned[8:16]) != cleaned[16] or credit_code_check_char(cleaned[:17]) != cleaned[17]:
        raise DomainError(ErrorCode.INVALID_CREDIT_CODE, CHECK_MESSAGE, field)
    return cleaned


def parse_credit_code(raw: str | None, field: str = "creditCode") -> CreditCode:
    return CreditCode(normalize_credit_code(raw, field))


def _org_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10
