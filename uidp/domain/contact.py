"""Contact data of a person: mainland mobile numbers and real names (P1a-P1c)."""

from __future__ import annotations

import re
import unicodedata

from uidp.domain.errors import DomainError, ErrorCode

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 50

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[\s\-]+")
# Look-alikes of the middle dot used in transliterated names (e.g. 阿卜杜·热合曼).
_MIDDLE_DOTS = re.compile("[\u2022\u2027\u2219\u22c5\u30fb\uff65\u0387]")
_APOSTROPHES = re.compile("[\u2019\u02bc]")
_DASHES = re.compile("[\u2010\u2011\u2012\u2013]")
_SPACED_DOT = re.compile(r" ?· ?")
_NAME_PUNCTUATION = frozenset("·-'.")


def normalize_phone(raw: str, field: str = "phone") -> str:
    """Return the 11-digit mainland mobile number, without spaces, hyphens or a +86 / 86 / 0086 prefix.

    Raises REQUIRED when nothing is typed, INVALID_PHONE when the result is not a mainland mobile number
    (1[3-9] + 9 digits).
    """
    phone = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not phone:
        raise DomainError(ErrorCode.REQUIRED, "请输入手机号码", field=field)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086") and len(phone) == 15:
        phone = phone[4:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if not _MOBILE.fullmatch(phone):
        raise DomainError(ErrorCode.INVALID_PHONE, "请输入正确的11位中国大陆手机号码", field=field)
    return phone


def _is_letter(ch: str) -> bool:
    # Letters of any script (CJK ideographs are "Lo"), plus the ideographic zero 〇.
    return unicodedata.category(ch).startswith("L") or ch == "\u3007"


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def normalize_name(raw: str, field: str = "name") -> str:
    """Return a real name NFC-normalised, trimmed, with single inner spaces and a uniform middle dot '·'.

    Allowed: letters of any script (CJK ideographs, Latin, ...), spaces, '·', '-', apostrophe and period;
    2-50 characters; no digits. Raises REQUIRED when empty, INVALID_NAME otherwise.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = " ".join(name.split())
    name = _MIDDLE_DOTS.sub("·", name)
    name = _APOSTROPHES.sub("'", name)
    name = _DASHES.sub("-", name)
    name = _SPACED_DOT.sub("·", name)
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "请输入姓名", field=field)
    if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID_NAME, f"姓名长度须为{NAME_MIN_LENGTH}-{NAME_MAX_LENGTH}个字符", field=field)
    if any(unicodedata.category(ch) == "Nd" for ch in name):
        raise DomainError(ErrorCode.INVALID_NAME, "姓名不能包含数字", field=field)
    for ch in name:
        if not (_is_letter(ch) or _is_mark(ch) or ch == " " or ch in _NAME_PUNCTUATION):
            raise DomainError(ErrorCode.INVALID_NAME, "姓名只能包含文字、空格及“·”“-”“'”“.”", field=field)
    if not _is_letter(name[0]) or not (_is_letter(name[-1]) or _is_mark(name[-1]) or name[-1] == "."):
        raise DomainError(ErrorCode.INVALID_NAME, "姓名须以文字开头和结尾", field=field)
    return name


def names_match(recorded: str, name: str) -> bool:
    """Whether a name held by another system (a registry) is ``name`` once normalised; a malformed one is not."""
    try:
        return normalize_name(recorded) == name
    except DomainError:
        return False
