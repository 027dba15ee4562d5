"""``GET`` / ``POST /oidc/logout`` (OpenID Connect RP-Initiated Logout 1.0) and its confirmation.

The first visit checks the request (``uidp.services.oidc.end_session``) and shows a Chinese confirmation page,
always: the session cookie is ``SameSite=Strict``, so a browser arriving from a connected system does not send
it, and whether there is a session to end is only known when the person answers from our own page. The answer
is a CSRF-protected form (``/oidc/logout/confirm``) carrying the checked parameters, checked again; "退出" ends
the session (and clears its cookie), then goes back to the system's registered URI with ``state`` or shows
"已退出"; "取消" ends nothing.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from uidp.domain.errors import DomainError
from uidp.http.auth import bearer_token, clear_session_cookie
from uidp.http.client import request_client
from uidp.http.oidc.token_form import read_form
from uidp.http.pages.render import csrf_protected, notice_page, render
from uidp.runtime import Runtime
from uidp.services.auth.sessions import Sessions
from uidp.services.oidc.end_session import LogoutRefused, LogoutRequest, end_session, read_request, single_values
from uidp.services.oidc.problems import OAuthProblem

log = logging.getLogger("uidp.oidc.logout")

LOGOUT_PATH = "/oidc/logout"
CONFIRM_PATH = "/oidc/logout/confirm"
CARRIED = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")  # what the confirmation carries
_MAX_QUERY = 8 * 1024


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def _refused(request: Request, refusal: LogoutRefused) -> Response:
    log.info("rp-initiated logout refused: %s", refusal.reason)
    return notice_page(request, "无法退出登录", refusal.message + "请返回业务系统后重试。", 400)


async def start(request: Request) -> Response:
    """The request from a connected system (query, or a form POST): checked, then the confirmation page."""
    try:
        values = await _parameters(request)
        checked = await read_request(_rt(request), values)
    except LogoutRefused as refusal:
        return _refused(request, refusal)
    name = checked.client.name if checked.client is not None else None
    hidden = {
        "id_token_hint": values.get("id_token_hint", ""),
        "client_id": checked.client.client_id if checked.client is not None else "",
        "post_logout_redirect_uri": checked.redirect_uri or "",
        "state": checked.state or "",
    }
    back = [checked.redirect_uri] if checked.redirect_uri else []
    context = {"title": "退出登录", "system_name": name, "hidden": hidden, "action": CONFIRM_PATH}
    return render(request, "oidc_logout.html", context, form_action=back)


@csrf_protected
async def confirm(request: Request, form: FormData) -> Response:
    """The person's answer on our page: end the session (if any) and go back, or end nothing."""
    try:
        values = single_values([(name, value) for name, value in form.multi_items() if name in CARRIED])
        checked = await read_request(_rt(request), values)
    except LogoutRefused as refusal:
        return _refused(request, refusal)
    if form.get("cancel"):
        return notice_page(request, "未退出", "您仍处于登录状态，可以关闭本页面或返回业务系统。")
    rt = _rt(request)
    try:
        principal = await Sessions(rt).principal(bearer_token(request))
    except DomainError:
        principal = None
    if principal is not None and principal.session_id is not None and not principal.is_staff:
        await end_session(rt, checked, principal, request_client(request))
    response = _finished(request, checked)
    clear_session_cookie(response, rt.settings)
    return response


def _finished(request: Request, checked: LogoutRequest) -> Response:
    target = checked.back_to()
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return notice_page(request, "已退出", "您已安全退出湖北省统一身份认证平台，可以关闭本页面。")


async def _parameters(request: Request) -> dict[str, str]:
    if request.method == "POST":
        try:
            form = await read_form(request)
        except OAuthProblem as problem:
            raise LogoutRefused("退出请求的格式不正确。", problem.description) from None
        return single_values(list(form.items()))
    query = request.url.query
    if len(query) > _MAX_QUERY:
        raise LogoutRefused("退出请求的参数过长或含有非法字符。", "the query is too long")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise LogoutRefused("退出请求的格式不正确。", "the query is not valid UTF-8") from None
    return single_values(pairs)


ROUTES: list[BaseRoute] = [
    Route(LOGOUT_PATH, start, methods=["GET", "POST"]),
    Route(CONFIRM_PATH, confirm, methods=["POST"]),
]
