"""The Error interface and the error types that mutation result unions are made of."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types.union import StrawberryUnion

from uidp.domain.errors import DomainError
from uidp.domain.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode", description="Stable error codes.")


@strawberry.interface(description="Every expected failure: a stable code, a zh-CN message, the input field.")
class Error:
    code: ErrorCode
    message: str
    field: str | None = None


@strawberry.type(description="Input that breaks a rule; `field` names the input field.")
class FieldError(Error):
    pass


@strawberry.type(description="Too many attempts; try again after `retryAfterSeconds`.")
class RateLimited(Error):
    retry_after_seconds: int


@strawberry.type(description="Out-of-province registration outside the daily window (P1d).")
class RegistrationWindowClosed(Error):
    opens_at: datetime


@strawberry.enum(description="Which appeal fits a conflict (P9a / P9b).")
class AppealKind(Enum):
    PHONE_TAKEN_BY_OTHER = "PHONE_TAKEN_BY_OTHER"
    CERTIFICATE_REGISTERED_WITH_OTHER_PHONE = "CERTIFICATE_REGISTERED_WITH_OTHER_PHONE"


@strawberry.type(description="The certificate or phone already has an account; an appeal is offered (P1e).")
class AccountConflict(Error):
    appeal: AppealKind


@strawberry.enum(description="Where a phone appellant whose certificate already has an account goes instead.")
class AppealRoute(Enum):
    RECOVER_PASSWORD = "RECOVER_PASSWORD"
    CERTIFICATE_APPEAL = "CERTIFICATE_APPEAL"
    ACTIVATE = "ACTIVATE"


@strawberry.type(
    description="P9a: the certificate already has an account, so the appeal cannot make one; `route` names the "
    "page to send the appellant to (找回密码 P8, 身份证号被他人手机号注册 P9b, or 账号激活 P2)."
)
class AppealRedirected(Error):
    route: AppealRoute


@strawberry.type(description="The certificate belongs to a pre-provisioned account: activate it instead (P2).")
class ActivationRequired(Error):
    masked_name: str
    masked_certificate_number: str
    masked_phone: str


@strawberry.type(description="Login failed. Wrong, unknown and locked accounts all look the same.")
class LoginFailed(Error):
    captcha_required: bool


@strawberry.type(description="This operation needs a logged-in session.")
class NotAuthenticated(Error):
    pass


@strawberry.type(description="The session may not do this.")
class Forbidden(Error):
    pass


def result_union(name: str) -> StrawberryUnion:
    """The union annotation of one root field's result (``XResult`` for field ``x``), described from its name.

    Use as ``Annotated[Success | ErrorType | ..., result_union("XResult")]``: the members are the only list of
    the errors the resolver may return (graph.resolvers.common.guarded reads them).
    """
    field = name[0].lower() + name[1:].removesuffix("Result")
    return strawberry.union(
        name, description=f"What `{field}` answers: its success type, or one of its error types (see `__typename`)."
    )


def to_error(error: DomainError, allowed: tuple[type, ...]) -> Error:
    """The most specific allowed error type for a domain error (FieldError otherwise)."""
    base = {"code": error.code, "message": error.message, "field": error.field}
    details = error.details
    candidates: list[Error] = []
    if "retry_after" in details:
        candidates.append(RateLimited(**base, retry_after_seconds=int(details["retry_after"])))
    if "opens_at" in details:
        candidates.append(RegistrationWindowClosed(**base, opens_at=details["opens_at"]))
    if "appeal" in details:
        candidates.append(AccountConflict(**base, appeal=AppealKind(details["appeal"])))
    if "route" in details:
        candidates.append(AppealRedirected(**base, route=AppealRoute(details["route"])))
    if "activation" in details:
        masked = details["activation"]
        candidates.append(
            ActivationRequired(
                **base,
                masked_name=masked.masked_name,
                masked_certificate_number=masked.masked_certificate_number,
                masked_phone=masked.masked_phone,
            )
        )
    if "captcha_required" in details:
        candidates.append(LoginFailed(**base, captcha_required=bool(details["captcha_required"])))
    for candidate in candidates:
        if type(candidate) in allowed:
            return candidate
    return FieldError(**base)
