"""Masking of personal data for display (X4), exactly as the manual shows (陈*, ***********1211, 150****0058).

Every function returns "" for empty input and never reveals more than the manual does.
"""

from __future__ import annotations

_ID_STARS = "*" * 11


def _compact(value: str) -> str:
    return "".join((value or "").split())


def mask_name(name: str) -> str:
    """Keep the first character, one '*' per remaining non-space character, spaces kept: 欧阳娜娜 -> 欧***."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "".join(ch if ch == " " else "*" for ch in name[1:])


def mask_id_number(number: str) -> str:
    """Eleven '*' then the last 4 characters, whatever the length (hides it): ***********1211.

    Numbers of 4 characters or fewer become '****'.
    """
    number = _compact(number)
    if not number:
        return ""
    if len(number) <= 4:
        return "****"
    return _ID_STARS + number[-4:]


def mask_phone(phone: str) -> str:
    """First 3 and last 4 digits around '****': 15012340058 -> 150****0058 (short values: '****')."""
    phone = _compact(phone)
    if not phone:
        return ""
    if len(phone) < 8:
        return "****"
    return phone[:3] + "****" + phone[-4:]


def mask_bank_card(number: str) -> str:
    """First 4 and last 4 digits in groups: 6222021234567890123 -> 6222 **** **** 0123."""
    number = _compact(number)
    if not number:
        return ""
    if len(number) <= 8:
        return "**** " + number[-4:] if len(number) > 4 else "****"
    return f"{number[:4]} **** **** {number[-4:]}"


def mask_credit_code(code: str) -> str:
    """First 2 and last 4 characters with '*' in between, same length.

    91420100MA4KXXXX0X -> 91************XX0X.
    """
    code = _compact(code)
    if not code:
        return ""
    if len(code) <= 6:
        return "*" * len(code)
    return code[:2] + "*" * (len(code) - 6) + code[-4:]
