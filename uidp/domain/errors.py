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
    INPUT_TOO_LONG = "INPUT_TOO_LONG"  # refused at the GraphQL edge, before any service or query
    INVALID_CHARACTERS = "INVALID_CHARACTERS"  # lone surrogates, NUL and other control characters
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
    LOGIN_IDENTIFIER_TAKEN = "LOGIN_IDENTIFIER_TAKEN"  # a number equal to another account's login identifier
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
    AGENT_FORBIDDEN = "AGENT_FORBIDDEN"  # a proxy session (E3) may not do this for the entity (decision 201)
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN_LOGIN_METHOD = "UNKNOWN_LOGIN_METHOD"
    LOGIN_CANNOT_START = "LOGIN_CANNOT_START"  # the method has no first step: complete it directly
    LOGIN_STATE_INVALID = "LOGIN_STATE_INVALID"  # unknown, used, expired, another browser's or method's
    BINDING_REQUIRED = "BINDING_REQUIRED"  # a partner subject bound to no account yet
    BINDING_TICKET_INVALID = "BINDING_TICKET_INVALID"
    SCAN_TICKET_INVALID = "SCAN_TICKET_INVALID"  # unknown, wrong secret or another browser's: one answer
    SCAN_TICKET_EXPIRED = "SCAN_TICKET_EXPIRED"  # past its life (or a confirmed one not redeemed in time)
    SCAN_TICKET_STATE = "SCAN_TICKET_STATE"  # a transition out of order: confirm before scan, redeem unconfirmed
    SCAN_TICKET_REDEEMED = "SCAN_TICKET_REDEEMED"  # already used for a session
    SCAN_TICKET_OTHER_CHANNEL = "SCAN_TICKET_OTHER_CHANNEL"  # a ticket of another scan method
    IDENTITY_MISMATCH = "IDENTITY_MISMATCH"  # a partner's verified identity differs from the account's
    RATE_LIMITED = "RATE_LIMITED"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    # multi-step flows and cases
    STEP_INVALID = "STEP_INVALID"
    CASE_ALREADY_DECIDED = "CASE_ALREADY_DECIDED"
    APPEAL_NOT_APPLICABLE = "APPEAL_NOT_APPLICABLE"
    CERTIFICATE_HAS_ACCOUNT = "CERTIFICATE_HAS_ACCOUNT"  # P9a: go to recovery, P9b or activation instead
    PHONE_NOT_BOUND = "PHONE_NOT_BOUND"  # the account has no phone (a P9a took it): bind one first
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
    API_TOKEN_NOT_A_SESSION = "API_TOKEN_NOT_A_SESSION"
    SECOND_FACTOR_LOCKED = "SECOND_FACTOR_LOCKED"
    SETUP_CODE_INVALID = "SETUP_CODE_INVALID"
    ENROLMENT_LOCKED = "ENROLMENT_LOCKED"
    # legal persons (E1-E10)
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    CREDIT_CODE_TAKEN = "CREDIT_CODE_TAKEN"
    REGISTRY_MISMATCH = "REGISTRY_MISMATCH"
    ENTITY_ELEMENTS_MISMATCH = "ENTITY_ELEMENTS_MISMATCH"
    # CA certificates (E4, E5)
    CHALLENGE_INVALID = "CHALLENGE_INVALID"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    CERTIFICATE_UNTRUSTED = "CERTIFICATE_UNTRUSTED"
    CERTIFICATE_REVOKED = "CERTIFICATE_REVOKED"
    CERTIFICATE_NOT_VALID_NOW = "CERTIFICATE_NOT_VALID_NOW"
    CERTIFICATE_USAGE_INVALID = "CERTIFICATE_USAGE_INVALID"
    CERTIFICATE_BOUND_ELSEWHERE = "CERTIFICATE_BOUND_ELSEWHERE"
    CERTIFICATE_KEY_WEAK = "CERTIFICATE_KEY_WEAK"
    CERTIFICATE_REVOCATION_UNKNOWN = "CERTIFICATE_REVOCATION_UNKNOWN"
    REPRESENTS_ENTITY = "REPRESENTS_ENTITY"
    # delegation (E9): candidates, grants, applications
    GRANTEE_LEVEL_TOO_LOW = "GRANTEE_LEVEL_TOO_LOW"  # grantees and candidates are persons of level 2 or above
    NOT_A_CANDIDATE = "NOT_A_CANDIDATE"  # the grantee is not on the entity's candidate list
    SELF_GRANT = "SELF_GRANT"  # a person never grants to themselves
    GRANT_CYCLE = "GRANT_CYCLE"  # the grantee already holds a grant in the chain above
    GRANT_DEPTH_EXCEEDED = "GRANT_DEPTH_EXCEEDED"  # at most three levels below the entity
    ITEM_NOT_DELEGABLE = "ITEM_NOT_DELEGABLE"  # unknown, retired or non-delegable service item
    SCOPE_BEYOND_GRANTOR = "SCOPE_BEYOND_GRANTOR"  # an item the grantor's own grant does not cover
    PERIOD_INVALID = "PERIOD_INVALID"  # the end is not after the start
    PERIOD_IN_PAST = "PERIOD_IN_PAST"
    PERIOD_BEYOND_GRANTOR = "PERIOD_BEYOND_GRANTOR"  # outside the grantor's own grant period
    NO_ACTIVE_GRANT = "NO_ACTIVE_GRANT"  # the grantor holds no active grant that lets them do this
    GRANT_NOT_STARTED = "GRANT_NOT_STARTED"
    GRANT_EXPIRED = "GRANT_EXPIRED"
    GRANT_CANCELLED = "GRANT_CANCELLED"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"  # the service item is outside the grant's scope
    # single sign-on: connected systems
    INVALID_REDIRECT_URI = "INVALID_REDIRECT_URI"  # not an exact https URI (fragment, wildcard, user part, ...)
    INVALID_URI = "INVALID_URI"  # a system's JWKS, logout or event URI breaks the same rules
    CLIENT_KEYS_INVALID = "CLIENT_KEYS_INVALID"  # not a JWK Set of ES256 / PS256 signing keys
    CLIENT_KEYS_PRIVATE = "CLIENT_KEYS_PRIVATE"  # the key set holds a private or symmetric member
    CLIENT_KEYS_REQUIRED = "CLIENT_KEYS_REQUIRED"  # a FAPI 2.0 system gives exactly one of jwks or jwksUri
    UNKNOWN_SCOPE = "UNKNOWN_SCOPE"
    UNKNOWN_CLAIM = "UNKNOWN_CLAIM"  # unknown, or not released by any of the system's scopes
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE"
    CLIENT_ID_TAKEN = "CLIENT_ID_TAKEN"
    NOT_A_BASIC_CLIENT = "NOT_A_BASIC_CLIENT"  # only a basic system has a secret to rotate
    # signed partner callbacks (scan channels)
    UNKNOWN_PARTNER = "UNKNOWN_PARTNER"  # the callback names a partner id no channel trusts
    CALLBACK_STALE = "CALLBACK_STALE"  # the callback's timestamp is outside the window
    CALLBACK_REPLAYED = "CALLBACK_REPLAYED"  # the callback's nonce was seen before
    LAST_LOGIN_METHOD = "LAST_LOGIN_METHOD"  # unbinding would leave the account no way to log in
    ACTOR_NOT_REGISTERED = "ACTOR_NOT_REGISTERED"  # the licence's scanner has no active person account here


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
