"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0, C3): a connected system sends the browser to
``/oidc/logout`` to end the uidp session; the person confirms on our page, then goes back to the system.

The request is read and checked here, the same way on the first visit and on the confirmation: every parameter
at most once and short; ``id_token_hint`` an ID token this provider signed for its own issuer with a key it still
publishes (an expired one is accepted, §2); ``client_id``, when sent with a hint, the hint's audience;
``post_logout_redirect_uri`` exactly one of the system's registered ones, and only with a known system (a
redirect anywhere else would be an open redirector); ``state`` echoed on the way back. Refusals are
:class:`LogoutRefused`, shown as a page and never redirected.

Ending: the initiating system's authorizations on that session are revoked and marked as logged out (it asked:
no logout token is owed to it), then the session ends through the login service, whose announcement makes the
outbox owe every other system on the session its back-channel logout.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise.transactions import in_transaction

from uidp.domain.oidc_events import AuthorizationEnd
from uidp.models.oidc import OidcAuthorization, OidcClient
from uidp.runtime import Runtime
from uidp.services.auth.login import LoginService
from uidp.services.oidc.clients import OidcClients
from uidp.services.oidc.keys import SigningKeys, UntrustedToken
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo, Principal

PARAMETERS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "logout_hint", "ui_locales")
LIMITS = {"id_token_hint": 4096, "client_id": 64, "post_logout_redirect_uri": 500, "state": 512}
MAX_OTHER = 512
RP_LOGOUT = AuthorizationEnd.RP_LOGOUT.value


class LogoutRefused(Exception):
    """A logout request that cannot be honoured: ``message`` for the page (Chinese), ``reason`` for the log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class LogoutRequest:
    """A checked request: the system (when named), where to go back, and the hint's login (``sid``)."""

    client: OidcClient | None
    redirect_uri: str | None
    state: str | None
    hint_sid: str | None = None

    def back_to(self) -> str | None:
        """The registered post-logout URI with ``state`` added to its query, or None (our own page)."""
        if self.redirect_uri is None:
            return None
        if self.state is None:
            return self.redirect_uri
        parts = urlsplit(self.redirect_uri)
        query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("state", self.state)])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each parameter at most once, short and without control characters; an empty one counts as absent."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise LogoutRefused("退出请求的参数重复。", f"parameter {name[:40]!r} is repeated")
        limit = LIMITS.get(name, MAX_OTHER)
        if len(value) > limit or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
            raise LogoutRefused("退出请求的参数过长或含有非法字符。", f"parameter {name[:40]!r} is malformed")
        if value:
            values[name] = value
    return values


async def read_request(rt: Runtime, values: Mapping[str, str]) -> LogoutRequest:
    """Check a logout request's parameters (see the module's docstring)."""
    hint_client, hint_sid = None, None
    hint = values.get("id_token_hint")
    if hint is not None:
        hint_client, hint_sid = await _hint(rt, hint)
    client_id = values.get("client_id")
    if client_id is not None and hint_client is not None and client_id != hint_client:
        raise LogoutRefused("退出请求与登录凭证不符。", "client_id is not the id_token_hint's audience")
    named = client_id or hint_client
    client = await OidcClients(rt).by_client_id(named) if named else None
    if named and client is None:
        raise LogoutRefused("发起退出的业务系统未登记或已停用。", "unknown or disabled client")
    redirect_uri = values.get("post_logout_redirect_uri")
    if redirect_uri is not None:
        if client is None:
            raise LogoutRefused(
                "退出请求未注明业务系统，无法返回。", "post_logout_redirect_uri needs client_id or id_token_hint"
            )
        if redirect_uri not in (client.post_logout_redirect_uris or []):
            raise LogoutRefused("退出后的返回地址未在平台登记。", "post_logout_redirect_uri is not registered")
    state = values.get("state")
    if state is not None and not all(0x20 < ord(char) < 0x7F for char in state):
        raise LogoutRefused("退出请求的参数过长或含有非法字符。", "state is not printable ASCII")
    return LogoutRequest(client, redirect_uri, state, hint_sid)


async def _hint(rt: Runtime, hint: str) -> tuple[str, str | None]:
    """The audience (client_id) and ``sid`` of an ID token we issued; expired ones are accepted (§2)."""
    try:
        claims = await SigningKeys(rt).verify(hint, typ="JWT")
    except UntrustedToken as error:
        raise LogoutRefused("登录凭证无效，无法确认发起退出的业务系统。", f"id_token_hint: {error}") from None
    if claims.get("iss") != rt.settings.oidc_issuer:
        raise LogoutRefused("登录凭证无效，无法确认发起退出的业务系统。", "id_token_hint: another issuer")
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) == 1:
        audience = audience[0]
    if not isinstance(audience, str) or not audience or "sub" not in claims:
        raise LogoutRefused("登录凭证无效，无法确认发起退出的业务系统。", "id_token_hint: not an ID token")
    sid = claims.get("sid")
    return audience, sid if isinstance(sid, str) else None


async def end_session(rt: Runtime, request: LogoutRequest, principal: Principal, caller: ClientInfo) -> int:
    """End ``principal``'s session at the request of ``request.client`` (or the person's own on our page).
    Returns how many of the initiating system's authorizations on the session were revoked."""
    session_id = principal.session_id
    assert session_id is not None
    revoked = 0
    now = rt.clock.now()
    if request.client is not None:
        mine = OidcAuthorization.filter(client_id=request.client.id, session_id=session_id)
        async with in_transaction():
            revoked = await mine.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_reason=RP_LOGOUT)
            await mine.filter(logout_sent_at__isnull=True).update(logout_sent_at=now)
    await LoginService(rt).logout(session_id, (principal.kind, principal.id), caller, actor=principal)
    await Audit(rt).record(
        "oidc.rp_logout",
        subject=(principal.kind, principal.id),
        client=caller,
        client_id=request.client.client_id if request.client else None,
        session_id=str(session_id),
        authorizations_revoked=revoked,
        hint_matched=await _hint_matches(request.hint_sid, session_id),
    )
    return revoked


async def _hint_matches(sid: str | None, session_id: uuid.UUID) -> bool | None:
    """Whether the hint's login rested on the session that ended (None without a hint's sid)."""
    if sid is None:
        return None
    try:
        authorization_id = uuid.UUID(sid)
    except ValueError:
        return False
    return await OidcAuthorization.filter(id=authorization_id, session_id=session_id).exists()
