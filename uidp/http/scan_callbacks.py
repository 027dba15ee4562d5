"""What every scan channel's plugin shares: its login method's start, and its callback route (P5, P6, E6).

A channel (ehuiban, esscard, elicense) subclasses :class:`ScanLoginMethod`, naming the fields its partner sends
with a confirmation and how they make an :class:`~uidp.ports.Assertion`. Its callback route
(:meth:`ScanLoginMethod.callback`) is the same for all: the signed callback is verified
(:mod:`uidp.http.partner_callbacks`), then its ``event`` moves the ticket through the scan-ticket engine:
``scanned``, ``confirmed`` (with the assertion) or ``rejected``. A verified claim that fails its format (an ID
number failing GB 11643, a credit code failing GB 32100) is refused before the ticket is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from starlette.requests import Request
from starlette.responses import Response

from uidp.config import Settings
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.hookspecs import Endpoint, RegisterLoginMethod, RegisterRoute, hookimpl
from uidp.http.partner_callbacks import audit_refusal, callback_accepted, callback_refusal, signed_callback
from uidp.ports import (
    CLAIM_ID_NUMBER,
    CLAIM_NAME,
    Assertion,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    LoginStart,
    ScanProgress,
    ScanStart,
    StartRequest,
    Trust,
)
from uidp.security.partner_callbacks import refused
from uidp.security.partner_config import PartnerSettings
from uidp.services.auth.scan_tickets import scan_tickets

EVENT = "event"
TICKET = "ticket"


class ScanEvent(StrEnum):
    """What a partner's callback reports (its ``event`` field)."""

    SCANNED = "scanned"  # the app read the QR code
    CONFIRMED = "confirmed"  # the person confirmed in the app: the callback carries who they are
    REJECTED = "rejected"  # the person declined


def verified_id_number(value: str) -> str:
    """A partner's resident ID number, normalised; INVALID_ID_NUMBER (GB 11643) on no field otherwise."""
    try:
        return normalize_certificate_number(CertificateType.RESIDENT_ID, value)
    except DomainError:
        raise refused(ErrorCode.INVALID_ID_NUMBER, "合作方核验的身份证号码格式不正确", "invalid_id_number") from None


def verified_credit_code(value: str) -> str:
    """A partner's unified social credit code, normalised; INVALID_CREDIT_CODE (GB 32100) otherwise."""
    try:
        return normalize_credit_code(value)
    except DomainError:
        raise refused(
            ErrorCode.INVALID_CREDIT_CODE, "合作方核验的统一社会信用代码格式不正确", "invalid_credit_code"
        ) from None


def person_assertion(provider: str, subject: str, fields: Mapping[str, str]) -> Assertion:
    """A person's assertion from a partner's verified ``name`` and ``id_number`` (checked, GB 11643)."""
    number = verified_id_number(fields["id_number"])
    return Assertion(
        provider=provider,
        subject=subject or number,
        claims={CLAIM_NAME: fields["name"], CLAIM_ID_NUMBER: number},
        display=fields["name"],
    )


class ScanLoginMethod:
    """A scan channel's login method: the QR code carries the ticket, the partner's callback completes it.

    Subclasses set ``id``, ``label``, ``trust``, ``confirm_fields`` (what a confirmation must carry) and
    implement :meth:`assertion`; ``lifetime_seconds`` / ``refresh_seconds`` go to :class:`ScanStart`.
    """

    id: str
    label: str
    trust: frozenset[Trust] = frozenset()
    confirm_fields: tuple[str, ...] = ()
    lifetime_seconds: int = 120
    refresh_seconds: int | None = None

    def __init__(self, partner: PartnerSettings) -> None:
        self.partner = partner
        self.sandbox = partner.sandbox

    async def start(self, request: StartRequest) -> LoginStart:
        """The QR code: the partner app's address with the ticket."""
        return ScanStart(
            self.partner.qr_payload(request.ticket),
            lifetime_seconds=self.lifetime_seconds,
            refresh_seconds=self.refresh_seconds,
        )

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        """Never: a scan login is completed by its partner's callback and redeemed by the page."""
        raise LoginFailure("a scan login completes through its partner's callback")

    def assertion(self, fields: Mapping[str, str]) -> Assertion:
        """Who the partner's verified confirmation names; raise a DomainError for a malformed claim."""
        raise NotImplementedError

    def callback(self) -> Endpoint:
        """The callback route's endpoint (POST, JSON): verify, then move the ticket."""

        async def endpoint(request: Request) -> Response:
            try:
                verified = await signed_callback(request, self.partner, required=(TICKET, EVENT))
            except DomainError as error:
                return callback_refusal(error)  # audited by signed_callback
            fields = verified.fields
            try:
                progress = await self._move(request, fields)
            except DomainError as error:
                await audit_refusal(request, self.partner.channel, error)
                return callback_refusal(error)
            return callback_accepted(status=progress.status.value)

        return endpoint

    async def _move(self, request: Request, fields: Mapping[str, str]) -> ScanProgress:
        engine = scan_tickets(request)
        ticket = fields[TICKET]
        try:
            event = ScanEvent(fields[EVENT])
        except ValueError:
            raise refused(ErrorCode.INVALID_FORMAT, "回调报文格式不正确", "malformed:event") from None
        if event is ScanEvent.SCANNED:
            return await engine.scanned(ticket, self.id)
        if event is ScanEvent.REJECTED:
            return await engine.rejected(ticket, self.id)
        for name in self.confirm_fields:
            if not fields.get(name):
                raise refused(ErrorCode.REQUIRED, "回调报文缺少必填字段", f"missing:{name}")
        return await engine.confirmed(ticket, self.id, self.assertion(fields))


def scan_channel_hooks(
    method_class: type[ScanLoginMethod], *, default_qr_url: str
) -> tuple[Callable[[RegisterLoginMethod, Settings], None], Callable[[RegisterRoute, Settings], None]]:
    """A scan plugin's two hooks: ``register_login_methods, register_routes = scan_channel_hooks(...)``.

    Both read the channel's settings block (``PartnerSettings.from_env``); in production without a partner
    key neither registers anything.
    """

    def method_of(settings: Settings) -> ScanLoginMethod | None:
        partner = PartnerSettings.from_env(method_class.id, settings, default_qr_url=default_qr_url)
        return method_class(partner) if partner is not None else None

    @hookimpl
    def register_login_methods(register: RegisterLoginMethod, settings: Settings) -> None:
        method = method_of(settings)
        if method is not None:
            register(method)

    @hookimpl
    def register_routes(register: RegisterRoute, settings: Settings) -> None:
        method = method_of(settings)
        if method is not None:
            register(method.partner.callback_path, method.callback(), methods=["POST"])

    return register_login_methods, register_routes
