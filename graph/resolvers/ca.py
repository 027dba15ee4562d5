"""CA certificate binding (E5) and login (E4): challenges, the binding SMS code, bind, log in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph.resolvers.common import auth_error, ctx, guarded, principal_or_error, result_members
from graph.resolvers.sessions import _success
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union, to_error
from graph.schema.types import LoginSuccess, SmsCodeSent
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.services.auth.ca_binding import CertificateBindings
from uidp.services.auth.ca_login import CertificateLoginService
from uidp.services.shared.principal import Principal

MAX_CHAIN = 8


@strawberry.type(description="A challenge for the USB key to sign (base64url text; sign its UTF-8 bytes).")
class CertificateChallenge:
    challenge: str
    expires_at: datetime


@strawberry.type(description="The certificate is bound; the account is now at level 3 (高级).")
class CertificateBound:
    serial: str = strawberry.field(description="The certificate's serial number, hex.")
    not_after: datetime
    level: int
    level_label: str


@strawberry.input(description="Log in with a bound CA certificate (E4).")
class LoginWithCertificateInput:
    certificate: str = strawberry.field(description="End-entity certificate: PEM, or DER in base64.")
    challenge: str = strawberry.field(description="From startCertificateLogin; single use, 60 seconds.")
    signature: str = strawberry.field(
        description="Base64 signature over the challenge: RSA PKCS#1 v1.5 SHA-256 or ECDSA SHA-256 (DER)."
    )
    chain: list[str] = strawberry.field(default_factory=list, description="Intermediate CA certificates, if any.")


@strawberry.input(description="Bind a CA certificate to the logged-in entity or person (E5).")
class BindCertificateInput:
    certificate: str = strawberry.field(description="End-entity certificate: PEM, or DER in base64.")
    challenge: str = strawberry.field(description="From startCertificateBinding; single use, 60 seconds.")
    signature: str = strawberry.field(description="Base64 signature over the challenge (see loginWithCertificate).")
    sms_code: str = strawberry.field(description="From sendBindCertificateCode.")
    chain: list[str] = strawberry.field(default_factory=list, description="Intermediate CA certificates, if any.")


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
