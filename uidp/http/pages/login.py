"""The hosted login page ``/login?return_to=<path>&method=<channel>`` (issue 12, item 5; decisions 253-255).

The password forms (person, entity, agent) and the certificate form post to ``/login`` and are handled here by
the login services themselves, the same calls the GraphQL mutations make (``loginWithPassword``,
``loginEntity``, ``loginAsAgent``, ``completeLogin(method: "ca")``): the same counters, captcha, lock and audit,
and no rule of their own. They work without JavaScript. A channel with a first step (the scan channels, Alipay)
is driven by ``/static/login.js`` through the GraphQL API. Success sets the normal session cookie and answers
303 to ``return_to`` (a same-origin path, ``return_to.py``), or to ``/login/done``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.http.auth import bearer_token, set_session_cookie
from uidp.http.client import request_client
from uidp.http.oidc.flow_pages import login_form_targets
from uidp.http.pages.login_channels import (
    CAPTCHA_ANSWER,
    CAPTCHA_ID,
    CERTIFICATE,
    CHAIN,
    CHALLENGE,
    CREDIT_CODE,
    IDENTIFIER,
    PASSWORD,
    SIGNATURE,
    Channel,
    Form,
    channels,
    text,
)
from uidp.http.pages.render import csrf_protected, notice_page, render
from uidp.http.pages.return_to import BadReturnTo, safe_return_to
from uidp.runtime import Runtime
from uidp.services.auth.ca_login import CertificateLoginService
from uidp.services.auth.login import LoginService
from uidp.services.auth.pipeline import LoginOutcome
from uidp.services.auth.proxy_login import ProxyLogin
from uidp.services.auth.sessions import Sessions, session_limits
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo

DONE_PATH = "/login/done"
_CAPTCHA_CODES = {ErrorCode.CAPTCHA_REQUIRED, ErrorCode.CAPTCHA_INVALID}


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def _bad_return_to(request: Request) -> Response:
    return notice_page(request, "无法登录", "登录后的跳转地址无效，请从业务系统重新进入。", 400)


async def show(request: Request) -> Response:
    """The page, on the channel ``method`` names (the first one otherwise)."""
    try:
        return_to = safe_return_to(request.query_params.get("return_to"))
    except BadReturnTo:
        return _bad_return_to(request)
    offered = channels(_rt(request))
    if not offered:
        return notice_page(request, "暂无登录方式", "本平台当前没有可用的登录方式，请稍后再试。", 503)
    chosen = next((c for c in offered if c.id == request.query_params.get("method")), offered[0])
    return await _page(request, offered, chosen, return_to)


@csrf_protected
async def submit(request: Request, form: FormData) -> Response:
    """A password or certificate form: a session and 303, or the form again with the error next to its field."""
    try:
        return_to = safe_return_to(_str(form.get("return_to")))
    except BadReturnTo:
        return _bad_return_to(request)  # before any lookup: nothing is counted
    offered = channels(_rt(request))
    chosen = next((c for c in offered if c.id == form.get("method") and c.form != Form.STARTED), None)
    if chosen is None:
        return notice_page(request, "无法登录", "不支持该登录方式。", 400)
    typed: dict[str, str] = {}
    try:
        typed = _typed(form, chosen)
        if form.get("refresh_captcha"):  # "换一张": a new image, no attempt
            return await _page(request, offered, chosen, return_to, typed=typed, captcha=True)
        outcome = await _login(_rt(request), chosen, typed, request_client(request))
    except DomainError as error:
        show_captcha = error.code in _CAPTCHA_CODES or bool(error.details.get("captcha_required"))
        errors = {error.field or "": error.message}
        return await _page(request, offered, chosen, return_to, typed=typed, errors=errors, captcha=show_captcha,
                           status=400)  # fmt: skip
    response = RedirectResponse(return_to or DONE_PATH, status_code=303)
    _, lifetime = session_limits(_rt(request).settings, outcome.subject_kind)
    set_session_cookie(response, _rt(request).settings, outcome.issued.token, int(lifetime.total_seconds()))
    return response


async def done(request: Request) -> Response:
    """After a login without ``return_to``: says so, or sends a browser without a session to the login page."""
    try:
        principal = await Sessions(_rt(request)).principal(bearer_token(request))
    except DomainError:
        principal = None
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return notice_page(request, "已登录", "您已登录湖北省统一身份认证平台，可以关闭本页面或返回业务系统。")


async def partner_return(request: Request) -> Response:
    """Where a partner's redirect login comes back (``UIDP_ALIPAY_RETURN_URL=/login/return``): its script
    finishes the login with ``completeLogin`` and goes on to the ``return_to`` the login page was given."""
    return render(request, "login_return.html", {"title": "正在登录", "done_path": DONE_PATH})


def _typed(form: FormData, channel: Channel) -> dict[str, str]:
    """What the channel's form takes, checked at the edge (the password is never echoed back)."""
    fields = [CAPTCHA_ID, CAPTCHA_ANSWER]
    if channel.form == Form.PERSON:
        fields += [IDENTIFIER, PASSWORD]
    elif channel.form == Form.ENTITY:
        fields += [CREDIT_CODE, PASSWORD]
    elif channel.form == Form.AGENT:
        fields += [CREDIT_CODE, IDENTIFIER, PASSWORD]
    else:
        fields = [CERTIFICATE, CHAIN, CHALLENGE, SIGNATURE]
    return {field.name: text(form, field) for field in fields}


async def _login(rt: Runtime, channel: Channel, typed: Mapping[str, str], client: ClientInfo) -> LoginOutcome:
    captcha = {"captcha_id": typed.get("captchaId") or None, "captcha_answer": typed.get("captchaAnswer") or None}
    if channel.form == Form.PERSON:
        return await LoginService(rt).login_with_password(typed["identifier"], typed["password"], client, **captcha)
    if channel.form == Form.ENTITY:
        if not typed["creditCode"].strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入统一社会信用代码", "creditCode")
        return await LoginService(rt).login_with_password(
            typed["creditCode"], typed["password"], client, realm=SubjectKind.ENTITY, **captcha
        )
    if channel.form == Form.AGENT:
        return await ProxyLogin(rt).login_as_agent(
            typed["creditCode"], typed["identifier"], typed["password"], client, **captcha
        )
    chain = [part for part in typed["chain"].split("\n\n") if part.strip()]
    return await CertificateLoginService(rt).login(
        typed["certificate"], chain, typed["challenge"], typed["signature"], client
    )


async def _page(
    request: Request,
    offered: list[Channel],
    chosen: Channel,
    return_to: str | None,
    *,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    captcha: bool = False,
    status: int = 200,
) -> Response:
    rt = _rt(request)
    context: dict[str, Any] = {
        "title": "登录",
        "channels": [(c, _tab_href(c, return_to)) for c in offered],
        "chosen": chosen,
        "return_to": return_to or "",
        "done_path": DONE_PATH,
        "typed": {k: v for k, v in (typed or {}).items() if k != "password"},
        "errors": dict(errors or {}),
        "captcha": None,
        "challenge": None,
    }
    if captcha and chosen.form != Form.CERTIFICATE:
        issued = await CaptchaService(rt).issue()
        context["captcha"] = {
            "id": issued.id,
            "image": "data:image/png;base64," + base64.b64encode(issued.png).decode(),
        }
    if chosen.form == Form.CERTIFICATE:
        try:
            context["challenge"] = (await CertificateLoginService(rt).start(request_client(request))).challenge
        except DomainError as error:
            context["errors"].setdefault("", error.message)
    # a login that resumes an authorization request may be redirected on to the connected system
    return render(request, "login.html", context, status, form_action=await login_form_targets(request, return_to))


def _tab_href(channel: Channel, return_to: str | None) -> str:
    query = {"method": channel.id, **({"return_to": return_to} if return_to else {})}
    return "/login?" + urlencode(query)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


ROUTES: list[BaseRoute] = [
    Route("/login", show, methods=["GET"]),
    Route("/login", submit, methods=["POST"]),
    Route(DONE_PATH, done, methods=["GET"]),
    Route("/login/return", partner_return, methods=["GET"]),
]
