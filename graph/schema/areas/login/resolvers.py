"""startLogin, completeLogin, completeBinding, sendBindingCode and completeBindingBySms: thin over
uidp.services.auth.partner_login and binding_proofs."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

from strawberry.types import Info

from graph.context import Context
from graph.resolvers.common import ctx, guarded
from graph.resolvers.sessions import _success
from graph.schema.areas.login.inputs import (
    CompleteBindingBySmsInput,
    CompleteBindingInput,
    CompleteLoginInput,
    LoginParamInput,
    RedeemLoginTicketInput,
    SendBindingCodeInput,
    StartLoginInput,
)
from graph.schema.areas.login.types import BindingRequired, LoginRedirect, LoginScanTicket, LoginTicketState
from graph.schema.errors import FieldError, LoginFailed, RateLimited, result_union, to_error
from graph.schema.types import LoginSuccess, SmsCodeSent
from uidp.domain.errors import DomainError, ErrorCode
from uidp.http.login_browser import browser_of, browser_or_new, set_browser_cookie
from uidp.ports import ScanStart
from uidp.services.auth.binding_proofs import BindingSms
from uidp.services.auth.partner_login import BindingNeeded, LoginFlows
from uidp.services.auth.pipeline import LoginOutcome
from uidp.services.auth.scan_qr import qr_images
from uidp.services.auth.scan_tickets import ScanTickets, ScanTicketView

MAX_PARAMS = 16

StartLoginResult = Annotated[
    LoginRedirect | LoginScanTicket | RateLimited | FieldError, result_union("StartLoginResult")
]
CompleteLoginResult = Annotated[
    LoginSuccess | BindingRequired | LoginFailed | RateLimited | FieldError, result_union("CompleteLoginResult")
]
LoginTicketResult = Annotated[LoginTicketState | FieldError, result_union("LoginTicketResult")]
RedeemLoginTicketResult = Annotated[
    LoginSuccess | BindingRequired | LoginFailed | FieldError, result_union("RedeemLoginTicketResult")
]
CompleteBindingResult = Annotated[LoginSuccess | LoginFailed | FieldError, result_union("CompleteBindingResult")]
SendBindingCodeResult = Annotated[SmsCodeSent | RateLimited | FieldError, result_union("SendBindingCodeResult")]
CompleteBindingBySmsResult = Annotated[
    LoginSuccess | LoginFailed | FieldError, result_union("CompleteBindingBySmsResult")
]


def _browser(c: Context) -> str | None:
    """The browser's login cookie: what states and binding tickets are bound to."""
    return browser_of(c.request, c.rt.settings)


def _ensure_browser(c: Context) -> str:
    """The browser's login cookie, made now if it has none (``uidp.http.login_browser``: HttpOnly, SameSite=Lax
    so that a partner's redirect back to the site carries it)."""
    value, fresh = browser_or_new(c.request, c.rt.settings)
    if fresh and hasattr(c.response, "set_cookie"):  # a WebSocket: no cookie, so nothing can be bound to it
        set_browser_cookie(c.response, c.rt.settings, value)
    return value


def _params(items: list[LoginParamInput]) -> dict[str, str]:
    if len(items) > MAX_PARAMS or len({item.name for item in items}) != len(items):
        raise DomainError(ErrorCode.INVALID_FORMAT, "登录参数过多或重复", "params")
    return {item.name: item.value for item in items}


async def start_login(info: Info, input: StartLoginInput) -> StartLoginResult:
    c = ctx(info)

    async def call() -> LoginRedirect | LoginScanTicket:
        started = await LoginFlows(c.rt).start(input.method, _params(input.params), c.client, _ensure_browser(c))
        step = started.next
        if isinstance(step, ScanStart):
            images = qr_images(step.qr_payload)
            return LoginScanTicket(
                ticket=started.state,
                secret=started.secret or "",
                qr_payload=step.qr_payload,
                qr_svg=images.svg,
                qr_png=images.png,
                expires_at=started.expires_at,
                refresh_seconds=step.refresh_seconds,
            )
        return LoginRedirect(url=step.url, state=started.state, expires_at=started.expires_at)

    return await guarded(info, call)


async def complete_login(info: Info, input: CompleteLoginInput) -> CompleteLoginResult:
    c = ctx(info)

    async def call() -> LoginSuccess | BindingRequired:
        result = await LoginFlows(c.rt).complete(
            input.method, input.state, _params(input.params), c.client, _ensure_browser(c)
        )
        return await _logged_in(info, result)

    return await guarded(info, call)


async def _logged_in(info: Info, result: LoginOutcome | BindingNeeded) -> LoginSuccess | BindingRequired:
    if isinstance(result, BindingNeeded):
        return BindingRequired(
            code=ErrorCode.BINDING_REQUIRED,
            message="该第三方账号尚未绑定本平台账号，请验证已有账号完成绑定，或先注册",
            field=None,
            ticket=result.ticket,
            expires_at=result.expires_at,
            provider=result.provider,
            provider_label=result.provider_label,
            account_kind=result.account_kind,
        )
    return await _success(info, result)


def _state(view: ScanTicketView) -> LoginTicketState:
    return LoginTicketState(status=view.status, expires_at=view.expires_at, refresh_seconds=view.refresh_seconds)


async def login_ticket(info: Info, id: str, secret: str) -> LoginTicketResult:
    """The scan ticket's status now, for its page (the holder of the secret)."""
    c = ctx(info)

    async def call() -> LoginTicketState:
        return _state(await ScanTickets(c.rt, c.client).status(id, secret))

    return await guarded(info, call)


async def login_ticket_events(info: Info, id: str, secret: str) -> AsyncGenerator[LoginTicketResult, None]:
    """The status now, then each change until the ticket is done; a wrong secret gets one error, no status."""
    c = ctx(info)
    try:
        async for view in ScanTickets(c.rt, c.client).watch(id, secret):
            yield _state(view)
    except DomainError as error:
        yield to_error(error, (FieldError,))  # type: ignore[misc]


async def redeem_login_ticket(info: Info, input: RedeemLoginTicketInput) -> RedeemLoginTicketResult:
    c = ctx(info)

    async def call() -> LoginSuccess | BindingRequired:
        result = await LoginFlows(c.rt).redeem_scan(input.id, input.secret, c.client, _browser(c))
        return await _logged_in(info, result)

    return await guarded(info, call)


async def complete_binding(info: Info, input: CompleteBindingInput) -> CompleteBindingResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        outcome = await LoginFlows(c.rt).redeem(
            input.ticket,
            input.identifier,
            input.password,
            c.client,
            _browser(c),
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
        )
        return await _success(info, outcome)

    return await guarded(info, call)


async def send_binding_code(info: Info, input: SendBindingCodeInput) -> SendBindingCodeResult:
    c = ctx(info)

    async def call() -> SmsCodeSent:
        masked, sent = await BindingSms(c.rt).send(
            input.ticket, input.phone, input.captcha_id, input.captcha_answer, c.client, _browser(c)
        )
        return SmsCodeSent(masked_phone=masked, expires_at=sent.expires_at, resend_after=sent.resend_after)

    return await guarded(info, call)


async def complete_binding_by_sms(info: Info, input: CompleteBindingBySmsInput) -> CompleteBindingBySmsResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        outcome = await LoginFlows(c.rt).redeem_by_sms(input.ticket, input.phone, input.sms_code, c.client, _browser(c))
        return await _success(info, outcome)

    return await guarded(info, call)
