"""Certificates (证件): types, number formats, resident ID parsing and validity periods (P1a-P1c).

Resident ID numbers and residence permits follow GB 11643-1999 (ISO 7064 MOD 11-2 check character).
Every rule raises :class:`~uidp.domain.errors.DomainError` with a zh-CN message and the input field name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from uidp.domain.errors import DomainError, ErrorCode

MIN_BIRTH_DATE = date(1900, 1, 1)
"""No certificate holder is born before this day."""

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PROVINCE_CODES = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))]
    + [str(n) for n in (*range(50, 55), *range(61, 66), 71, 81, 82, 83, 91)]
)
_HMT_REGION_CODES = frozenset({"810000", "820000", "830000"})
_GB11643_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


class Gender(StrEnum):
    """Gender as printed on the certificate."""

    MALE = "MALE"
    FEMALE = "FEMALE"

    @property
    def label(self) -> str:
        """Chinese label (男 / 女)."""
        return "男" if self is Gender.MALE else "女"


class RegistrationRoute(StrEnum):
    """How a person holding a certificate type registers (§1.2a / §1.2b / §1.2c)."""

    ID_CARD = "ID_CARD"
    PERMIT = "PERMIT"
    MANUAL = "MANUAL"  # staff review, needs document uploads


class CertificateType(StrEnum):
    """Certificate types a natural person can register with."""

    RESIDENT_ID = "RESIDENT_ID"
    HK_MACAO_PERMIT = "HK_MACAO_PERMIT"
    TAIWAN_PERMIT = "TAIWAN_PERMIT"
    HMT_RESIDENCE_PERMIT = "HMT_RESIDENCE_PERMIT"
    FOREIGN_PASSPORT = "FOREIGN_PASSPORT"
    FOREIGN_PERMANENT_RESIDENCE = "FOREIGN_PERMANENT_RESIDENCE"
    OTHER = "OTHER"

    @property
    def label(self) -> str:
        """Chinese name of the certificate type."""
        return _LABELS[self]

    @property
    def registration_route(self) -> RegistrationRoute:
        """Registration route: ID_CARD, PERMIT or MANUAL (staff review with uploads)."""
        return _ROUTES[self]


_LABELS: dict[CertificateType, str] = {
    CertificateType.RESIDENT_ID: "居民身份证",
    CertificateType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    CertificateType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    CertificateType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    CertificateType.FOREIGN_PASSPORT: "外国护照",
    CertificateType.FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
    CertificateType.OTHER: "其他证件",
}
_ROUTES: dict[CertificateType, RegistrationRoute] = {
    CertificateType.RESIDENT_ID: RegistrationRoute.ID_CARD,
    CertificateType.HK_MACAO_PERMIT: RegistrationRoute.PERMIT,
    CertificateType.TAIWAN_PERMIT: RegistrationRoute.PERMIT,
    CertificateType.HMT_RESIDENCE_PERMIT: RegistrationRoute.PERMIT,
    CertificateType.FOREIGN_PASSPORT: RegistrationRoute.MANUAL,
    CertificateType.FOREIGN_PERMANENT_RESIDENCE: RegistrationRoute.MANUAL,
    CertificateType.OTHER: RegistrationRoute.MANUAL,
}
# Simple formats: a full-match pattern and the message shown when it does not match.
_SIMPLE_FORMATS: dict[CertificateType, tuple[re.Pattern[str], str]] = {
    CertificateType.HK_MACAO_PERMIT: (
        re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?"),
        "港澳居民来往内地通行证号码应为H或M开头，后接8位或10位数字",
    ),
    CertificateType.TAIWAN_PERMIT: (
        re.compile(r"[0-9]{8}|[0-9]{10}"),
        "台湾居民来往大陆通行证号码应为8位或10位数字",
    ),
    CertificateType.FOREIGN_PASSPORT: (
        re.compile(r"[A-Z0-9]{5,20}"),
        "护照号码应为5-20位字母或数字",
    ),
    CertificateType.OTHER: (
        re.compile(r"(?=.*[A-Z0-9])[A-Z0-9-]{4,30}"),
        "证件号码应为4-30位字母、数字或连字符",
    ),
}
_OLD_PERMANENT_RESIDENCE = re.compile(r"[A-Z]{3}[0-9]{12}")


@dataclass(frozen=True)
class ResidentId:
    """A checked 18-digit resident ID number and what it encodes."""

    number: str
    region_code: str
    birth_date: date
    gender: Gender


def gb11643_check_char(first17: str) -> str:
    """Return the GB 11643-1999 check character (0-9 or X) for 17 leading digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def fold_certificate_number(raw: str) -> str:
    """Fold full-width characters, drop all whitespace, upper-case: every type's number normalises this way."""
    folded = unicodedata.normalize("NFKC", raw or "")
    return "".join(folded.split()).upper()


_clean = fold_certificate_number


def _error(code: ErrorCode, message: str, field: str) -> DomainError:
    return DomainError(code, message, field=field)


def _check_gb11643(number: str, *, what: str, code: ErrorCode, field: str) -> None:
    if not _GB11643_SHAPE.fullmatch(number):
        raise _error(code, f"{what}应为18位，由17位数字和末位数字或X组成", field)
    if gb11643_check_char(number[:17]) != number[17]:
        raise _error(code, f"{what}校验位不正确，请核对", field)


def _embedded_birth_date(number: str, *, what: str, field: str) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _error(ErrorCode.INVALID_BIRTH_DATE, f"{what}中的出生日期不存在，请核对", field) from None
    if born < MIN_BIRTH_DATE:
        raise _error(ErrorCode.INVALID_BIRTH_DATE, f"{what}中的出生日期早于1900年，请核对", field)
    return born


def normalize_certificate_number(cert_type: CertificateType, raw: str, *, field: str = "certificateNumber") -> str:
    """Normalise (fold full-width, drop spaces, upper-case) and check a certificate number's format.

    For RESIDENT_ID this checks shape, check character, province code and that the embedded birth date
    exists (use :func:`parse_resident_id` to also refuse future birth dates).
    Raises REQUIRED (nothing typed), INVALID_ID_NUMBER (resident ID, residence permit), INVALID_BIRTH_DATE
    (impossible embedded birth date) or INVALID_PERMIT_NUMBER (all other types).
    """
    cert_type = CertificateType(cert_type)
    number = _clean(raw)
    is_gb11643 = cert_type in (CertificateType.RESIDENT_ID, CertificateType.HMT_RESIDENCE_PERMIT)
    code = ErrorCode.INVALID_ID_NUMBER if is_gb11643 else ErrorCode.INVALID_PERMIT_NUMBER
    if not number:
        raise _error(ErrorCode.REQUIRED, f"请输入{cert_type.label}号码", field)

    if cert_type is CertificateType.RESIDENT_ID:
        _check_gb11643(number, what="身份证号码", code=code, field=field)
        if number[:2] not in _PROVINCE_CODES:
            raise _error(code, "身份证号码的地区代码不正确，请核对", field)
        _embedded_birth_date(number, what="身份证号码", field=field)
    elif cert_type is CertificateType.HMT_RESIDENCE_PERMIT:
        _check_gb11643(number, what="港澳台居民居住证号码", code=code, field=field)
        if number[:6] not in _HMT_REGION_CODES:
            raise _error(code, "港澳台居民居住证号码应以810000、820000或830000开头", field)
        _embedded_birth_date(number, what="港澳台居民居住证号码", field=field)
    elif cert_type is CertificateType.FOREIGN_PERMANENT_RESIDENCE:
        if _OLD_PERMANENT_RESIDENCE.fullmatch(number):
            return number
        if len(number) != 18 or not number.startswith("9"):
            raise _error(code, "外国人永久居留身份证号码应为3位字母加12位数字，或以9开头的18位号码", field)
        _check_gb11643(number, what="外国人永久居留身份证号码", code=code, field=field)
    else:
        pattern, message = _SIMPLE_FORMATS[cert_type]
        if not pattern.fullmatch(number):
            raise _error(code, message, field)
    return number


def parse_resident_id(raw: str, *, today: date, field: str = "certificateNumber") -> ResidentId:
    """Check an 18-digit resident ID number (GB 11643-1999) and return what it encodes.

    Raises INVALID_ID_NUMBER (length, characters, check character, province code) or
    INVALID_BIRTH_DATE (impossible date, before 1900-01-01, after ``today``).
    """
    number = normalize_certificate_number(CertificateType.RESIDENT_ID, raw, field=field)
    born = _embedded_birth_date(number, what="身份证号码", field=field)
    if born > today:
        raise _error(ErrorCode.INVALID_BIRTH_DATE, "身份证号码中的出生日期晚于今天，请核对", field)
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return ResidentId(number=number, region_code=number[:6], birth_date=born, gender=gender)


def check_birth_date(birth_date: date, *, today: date, field: str = "birthDate") -> None:
    """Refuse a birth date after ``today`` or before 1900-01-01 (INVALID_BIRTH_DATE)."""
    if birth_date > today:
        raise _error(ErrorCode.INVALID_BIRTH_DATE, "出生日期不能晚于今天", field)
    if birth_date < MIN_BIRTH_DATE:
        raise _error(ErrorCode.INVALID_BIRTH_DATE, "出生日期不能早于1900年1月1日", field)


class ValidityPeriod(StrEnum):
    """Validity period of a certificate (有效期限)."""

    YEARS_5 = "YEARS_5"
    YEARS_10 = "YEARS_10"
    YEARS_20 = "YEARS_20"
    LONG_TERM = "LONG_TERM"

    @property
    def years(self) -> int | None:
        """Number of years, or None for long-term (长期)."""
        return {"YEARS_5": 5, "YEARS_10": 10, "YEARS_20": 20}.get(self.value)

    @property
    def label(self) -> str:
        """Chinese label (5年 / 10年 / 20年 / 长期)."""
        return "长期" if self.years is None else f"{self.years}年"


def certificate_valid_until(start: date, period: ValidityPeriod) -> date | None:
    """Last day of validity (start + N years; Feb 29 becomes Feb 28), or None when long-term."""
    years = period.years
    if years is None:
        return None
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # Feb 29 in a non-leap target year
        return start.replace(year=start.year + years, day=28)


def check_certificate_validity(
    start: date,
    period: ValidityPeriod,
    *,
    today: date,
    birth_date: date | None = None,
    field: str = "validFrom",
) -> date | None:
    """Refuse a future start, a start before birth (INVALID_VALIDITY) or an expired certificate.

    An expired certificate (last valid day before ``today``) raises CERTIFICATE_EXPIRED with the date in
    the message and ``details["valid_until"]``. Returns the last valid day (None when long-term).
    """
    if start > today:
        raise _error(ErrorCode.INVALID_VALIDITY, "证件有效期起始日期不能晚于今天", field)
    if birth_date is not None and start < birth_date:
        raise _error(ErrorCode.INVALID_VALIDITY, "证件有效期起始日期不能早于出生日期", field)
    valid_until = certificate_valid_until(start, period)
    if valid_until is not None and valid_until < today:
        raise DomainError(
            ErrorCode.CERTIFICATE_EXPIRED,
            f"证件已于{valid_until.isoformat()}到期，请使用有效期内的证件",
            field=field,
            valid_until=valid_until,
        )
    return valid_until
