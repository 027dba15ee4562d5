"""CA certificate binding (E5) and login (E4): challenges, the binding SMS code, bind, log in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from strawberry.types import Info

from graph.resolvers.common import auth_error, ctx, guarded, principal_or_error, result_members
from graph.resolvers.sessions import _success
from graph.schema.areas.ca.inputs import BindCertificateInput, LoginWithCertificateInput
from graph.schema.areas.ca.types import CertificateBound, CertificateChallenge
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union, to_error
from graph.schema.types import LoginSuccess, SmsCodeSent
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.services.auth.ca_binding import CertificateBindings
from uidp.services.auth.ca_login import CertificateLoginService
from uidp.services.shared.principal import Principal

MAX_CHAIN = 8


StartCertificateLoginResult = Annotated[
    CertificateChallenge | RateLimited | FieldError,
    result_union("StartCertificateLoginResult"),
]
LoginWithCertificateResult = Annotated[
    LoginSuccess | FieldError,
    result_union("LoginWithCertificateResult"),
]
SendBindCertificateCodeResult = Annotated[
    SmsCodeSent | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("SendBindCertificateCodeResult"),
]
StartCertificateBindingResult = Annotated[
    CertificateChallenge | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("StartCertificateBindingResult"),
]
BindCertificateResult = Annotated[
    CertificateBound | NotAuthenticated | Forbidden | FieldError,
    result_union("BindCertificateResult"),
]


def _too_long(chain: list[str]) -> FieldError | None:
    if len(chain) > MAX_CHAIN:
        return FieldError(code=ErrorCode.INVALID_FORMAT, message="证书链过长", field="chain")
    return None


async def _as_holder(info: Info, call: Callable[[Principal], Awaitable[Any]]) -> Any:
    """Run ``call`` for the logged-in caller; a FORBIDDEN from the service (staff, level 1) answers Forbidden."""
    principal = await principal_or_error(info)
    if not isinstance(principal, Principal):
        return principal
    try:
        return await call(principal)
    except DomainError as error:
        if error.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_AUTHENTICATED):
            return auth_error(error)
        return to_error(error, result_members(info))


async def start_certificate_login(info: Info) -> StartCertificateLoginResult:
    async def call() -> CertificateChallenge:
        issued = await CertificateLoginService(ctx(info).rt).start(ctx(info).client)
        return CertificateChallenge(challenge=issued.challenge, expires_at=issued.expires_at)

    return await guarded(info, call)


async def login_with_certificate(info: Info, input: LoginWithCertificateInput) -> LoginWithCertificateResult:
    c = ctx(info)
    if (error := _too_long(input.chain)) is not None:
        return error

    async def call() -> LoginSuccess:
        outcome = await CertificateLoginService(c.rt).login(
            input.certificate, input.chain, input.challenge, input.signature, c.client
        )
        return await _success(info, outcome)

    return await guarded(info, call)


async def send_bind_certificate_code(info: Info) -> SendBindCertificateCodeResult:
    c = ctx(info)

    async def call(principal: Principal) -> SmsCodeSent:
        masked, sent = await CertificateBindings(c.rt).send_code(principal, c.client)
        return SmsCodeSent(masked_phone=masked, expires_at=sent.expires_at, resend_after=sent.resend_after)

    return await _as_holder(info, call)


async def start_certificate_binding(info: Info) -> StartCertificateBindingResult:
    async def call(principal: Principal) -> CertificateChallenge:
        issued = await CertificateBindings(ctx(info).rt).start(principal)
        return CertificateChallenge(challenge=issued.challenge, expires_at=issued.expires_at)

    return await _as_holder(info, call)


async def bind_certificate(info: Info, input: BindCertificateInput) -> BindCertificateResult:
    c = ctx(info)
    if (error := _too_long(input.chain)) is not None:
        return error

    async def call(principal: Principal) -> CertificateBound:
        bound = await CertificateBindings(c.rt).bind_certificate(
            principal, input.certificate, input.chain, input.challenge, input.signature, input.sms_code, c.client
        )
        return CertificateBound(
            serial=bound.serial,
            not_after=bound.not_after,
            level=bound.level,
            level_label=AssuranceLevel(bound.level).label,
        )

    return await _as_holder(info, call)
