"""What the authorization endpoint and the consent form answer for each outcome of
:class:`~uidp.services.oidc.authorize.AuthorizationFlow` (decisions 340-349): a redirect back to the connected
system (code or error), the login page, the step-up page, the consent page, or the error page that is shown
when the client or its redirect URI is not established (never a redirect).

No ``ROUTES`` here: ``authorize.py`` and ``consent.py`` serve the endpoints.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_name
from uidp.domain.oidc import OAuthError
from uidp.http.auth import session_cookie_name
from uidp.http.login_browser import browser_of
from uidp.http.pages.render import render
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.auth.session_lookup import SessionRow
from uidp.services.auth.sessions import Sessions
from uidp.services.entities.entities import NAME as ENTITY_NAME
from uidp.services.oidc.authorize import (
    AUTHORIZE_PATH,
    AuthorizationFlow,
    NeedsConsent,
    NeedsLogin,
    NeedsStepUp,
    Outcome,
    Redirect,
)
from uidp.services.oidc.requests import RequestRefused
from uidp.services.shared.pii import Pii

CONSENT_PATH = "/oidc/consent"
LOGIN_PATH = "/login"

# What the error page says to the person (the error code is shown too, for the system's support desk).
ERROR_MESSAGES: dict[OAuthError, str] = {
    OAuthError.INVALID_CLIENT: "发起登录的业务系统未在本平台登记，或已被停用。",
    OAuthError.INVALID_REQUEST_URI: "登录请求已过期或已被使用，请返回业务系统重新发起登录。",
}
DEFAULT_ERROR_MESSAGE = "业务系统发来的登录请求有误（例如回调地址未登记），本平台无法继续。请返回业务系统重新发起登录。"
EXPIRED_MESSAGE = "本次登录请求已过期或已完成，请返回业务系统重新发起登录。"
STEP_UP_WAYS = {
    AssuranceLevel.MEDIUM: ("银行卡四要素核验", "在平台用户中心使用本人银行卡完成核验，账号即升为中级认证。"),
    AssuranceLevel.HIGH: ("绑定数字证书", "在平台用户中心绑定本人（或本单位）的 CA 数字证书，账号即升为高级认证。"),
}


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def session_row(request: Request) -> SessionRow | None:
    """The browser's live uidp session and its account, from the session cookie only (never a header)."""
    rt = runtime(request)
    return await Sessions(rt).resolve_with_account(request.cookies.get(session_cookie_name(rt.settings)))


def error_page(request: Request, refused: RequestRefused, *, expired: bool = False) -> Response:
    """The 400 page for a request whose client or redirect URI is not established: nothing is redirected."""
    message = EXPIRED_MESSAGE if expired else ERROR_MESSAGES.get(refused.error, DEFAULT_ERROR_MESSAGE)
    context = {"title": "无法完成登录", "message": message, "error": refused.error.value}
    return render(request, "oidc_error.html", context, 400)


def redirect(url: str, *, after_post: bool) -> RedirectResponse:
    """302 for the authorization response (RFC 6749 §4.1.2), 303 after a form POST (never repeat the POST)."""
    return RedirectResponse(url, status_code=303 if after_post else 302)


async def answer(request: Request, outcome: Outcome, row: SessionRow | None, *, after_post: bool) -> Response:
    """The HTTP answer of one decision of the flow."""
    if isinstance(outcome, Redirect):
        return redirect(outcome.url, after_post=after_post)
    if isinstance(outcome, NeedsLogin):
        return redirect(f"{LOGIN_PATH}?{urlencode({'return_to': outcome.return_to})}", after_post=after_post)
    if isinstance(outcome, NeedsStepUp):
        required = AssuranceLevel(outcome.required)
        way, how = STEP_UP_WAYS.get(required, STEP_UP_WAYS[AssuranceLevel.HIGH])
        if outcome.subject_kind == SubjectKind.ENTITY:  # an entity is 中级 once registered: only a certificate
            way, how = STEP_UP_WAYS[AssuranceLevel.HIGH]
        elif required == AssuranceLevel.HIGH and outcome.level < AssuranceLevel.MEDIUM:
            how = "请先完成银行卡四要素核验（中级认证），再" + how
        proxy = row is not None and row.session.actor_role == ActorRole.AGENT
        context = {
            "title": "需要提升认证等级",
            "client_name": outcome.client_name,
            "required": required.label,
            "level": AssuranceLevel(outcome.level).label,
            "way": way,
            "how": how,
            "pending": outcome.pending,
            "continue_href": f"{AUTHORIZE_PATH}?{urlencode({'pending': outcome.pending})}",
            "consent_path": CONSENT_PATH,
            "proxy": proxy,
        }
        return render(request, "oidc_step_up.html", context, form_action=[outcome.redirect_uri])
    assert isinstance(outcome, NeedsConsent)
    context = {
        "title": "授权确认",
        "client_name": outcome.client_name,
        "labels": outcome.labels,
        "pending": outcome.pending,
        "consent_path": CONSENT_PATH,
        "who": await who(runtime(request), row),
    }
    return render(request, "oidc_consent.html", context, form_action=[outcome.redirect_uri])


async def who(rt: Runtime, row: SessionRow | None) -> dict[str, str]:
    """Who is consenting, as the consent page names them: a person (masked name), an entity, or an agent
    acting for an entity (the entity's name and the agent's masked name)."""
    if row is None or row.account is None:
        return {"kind": "unknown"}
    pii, session, account = Pii(rt), row.session, row.account
    if isinstance(account, Person):
        return {"kind": "person", "name": mask_name(pii.open("person.name", account.id, account.name_enc))}
    assert isinstance(account, Entity)
    entity = pii.open(ENTITY_NAME, account.id, account.name_enc)
    if session.actor_role != ActorRole.AGENT or session.actor_id is None:
        return {"kind": "entity", "entity": entity}
    agent = await Person.get_or_none(id=session.actor_id)
    agent_name = mask_name(pii.open("person.name", agent.id, agent.name_enc)) if agent is not None else ""
    return {"kind": "proxy", "entity": entity, "agent": agent_name}


async def login_form_targets(request: Request, return_to: str | None) -> list[str]:
    """Where the login form's answer may end up through redirects: a login that resumes a pending request whose
    consent is remembered is redirected on to the connected system, and browsers check CSP ``form-action`` on
    every redirect of a form's answer. The pending request's redirect URI, or nothing."""
    rt = runtime(request)
    if not rt.settings.oidc_enabled or not return_to:
        return []
    parts = urlsplit(return_to)
    pending = parse_qs(parts.query).get("pending", [])
    if parts.path != AUTHORIZE_PATH or len(pending) != 1:
        return []
    browser = browser_of(request, rt.settings)
    if browser is None:
        return []
    try:
        authorization, _ = await AuthorizationFlow(rt).resume(pending[0], browser)
    except RequestRefused:
        return []
    return [authorization.redirect_uri]
