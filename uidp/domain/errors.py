"""Stable error codes and the domain error every rule raises.

Codes are part of the public API (GraphQL enum ``ErrorCode``): never rename one, only add.
Messages are zh-CN for end users; ``field`` names the input field (camelCase, as in GraphQL).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # generic input problems
    REQUIRED = "REQUIRED"
    INVALID_FORMAT = "INVALID_FORMAT"
    INVALID_NAME = "INVALID_NAME"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    INVALID_BIRTH_DATE = "INVALID_BIRTH_DATE"
    INVALID_PERMIT_NUMBER = "INVALID_PERMIT_NUMBER"
    INVALID_CERTIFICATE_TYPE = "INVALID_CERTIFICATE_TYPE"
    INVALID_VALIDITY = "INVALID_VALIDITY"
    CERTIFICATE_EXPIRED = "CERTIFICATE_EXPIRED"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_GENDER = "INVALID_GENDER"
    # passwords
    WEAK_PASSWORD = "WEAK_PASSWORD"
    PASSWORD_MISMATCH = "PASSWORD_MISMATCH"
    TERMS_NOT_ACCEPTED = "TERMS_NOT_ACCEPTED"
    # one-time values
    CAPTCHA_INVALID = "CAPTCHA_INVALID"
    CAPTCHA_REQUIRED = "CAPTCHA_REQUIRED"
    SMS_CODE_INVALID = "SMS_CODE_INVALID"
    SMS_TOO_FREQUENT = "SMS_TOO_FREQUENT"
    SMS_DAILY_LIMIT = "SMS_DAILY_LIMIT"
    INVALID_PURPOSE = "INVALID_PURPOSE"
    # registration
    OUTSIDE_REGISTRATION_WINDOW = "OUTSIDE_REGISTRATION_WINDOW"
    CERTIFICATE_TAKEN = "CERTIFICATE_TAKEN"
    PHONE_TAKEN = "PHONE_TAKEN"
    ACTIVATION_REQUIRED = "ACTIVATION_REQUIRED"
    NOT_ACTIVATABLE = "NOT_ACTIVATABLE"
    # uploads
    UPLOAD_REQUIRED = "UPLOAD_REQUIRED"
    UPLOAD_TOO_LARGE = "UPLOAD_TOO_LARGE"
    UPLOAD_TYPE_NOT_ALLOWED = "UPLOAD_TYPE_NOT_ALLOWED"
    UPLOAD_NOT_FOUND = "UPLOAD_NOT_FOUND"
    # login and sessions
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_PENDING_REVIEW = "ACCOUNT_PENDING_REVIEW"
    ACCOUNT_REJECTED = "ACCOUNT_REJECTED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN_LOGIN_METHOD = "UNKNOWN_LOGIN_METHOD"
    RATE_LIMITED = "RATE_LIMITED"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    # multi-step flows and cases
    STEP_INVALID = "STEP_INVALID"
    CASE_ALREADY_DECIDED = "CASE_ALREADY_DECIDED"
    APPEAL_NOT_APPLICABLE = "APPEAL_NOT_APPLICABLE"
    CERTIFICATE_MISMATCH = "CERTIFICATE_MISMATCH"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    # assurance levels (P7)
    INVALID_BANK_CARD = "INVALID_BANK_CARD"
    BANK_CHECK_FAILED = "BANK_CHECK_FAILED"
    BANK_CHECK_PENDING = "BANK_CHECK_PENDING"
    ALREADY_AT_LEVEL = "ALREADY_AT_LEVEL"
    VERIFIER_UNAVAILABLE = "VERIFIER_UNAVAILABLE"
    # staff
    SECOND_FACTOR_REQUIRED = "SECOND_FACTOR_REQUIRED"
    SECOND_FACTOR_INVALID = "SECOND_FACTOR_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_SCOPE = "TOKEN_SCOPE"


class DomainError(Exception):
    """A rule was broken by the caller's input or state; shown to the user as a typed error."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        field: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.details: dict[str, Any] = details

    def __repr__(self) -> str:
        return f"DomainError({self.code.value!r}, field={self.field!r})"
