"""``POST /oidc/consent``: the answer of the consent page (同意 / 拒绝) and of the step-up page's 返回, from
one of our own pages in this browser (CSRF double-submit cookie and the request's source, ``csrf_protected``).

The flow decides again from the live session (a session ended or a level lost since the page was shown is
seen): 同意 records the consent (not for a proxy session's agent) and sends the code, 拒绝 sends
``access_denied``; both go back to the connected system with ``state`` and ``iss`` (303), which the page's
CSP ``form-action`` allows.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.domain.oidc import OAuthError
from uidp.http.client import request_client
from uidp.http.login_browser import browser_of
from uidp.http.oidc.flow_pages import CONSENT_PATH, answer, error_page, runtime, session_row
from uidp.http.pages.render import csrf_protected, notice_page
from uidp.services.oidc.authorize import AuthorizationFlow
from uidp.services.oidc.requests import RequestRefused

DECISIONS = {"approve": True, "deny": False}


@csrf_protected
async def consent(request: Request, form: FormData) -> Response:
    rt = runtime(request)
    pending, decision = form.get("pending"), form.get("decision")
    if not isinstance(pending, str) or not isinstance(decision, str) or decision not in DECISIONS:
        return notice_page(request, "无法完成授权", "提交的内容不完整，请返回业务系统重新发起登录。", 400)
    row = await session_row(request)
    try:
        outcome = await AuthorizationFlow(rt).decide(
            pending, browser_of(request, rt.settings), row, request_client(request), consent=DECISIONS[decision]
        )
    except RequestRefused as refused:
        return error_page(request, refused, expired=refused.error == OAuthError.INVALID_REQUEST)
    return await answer(request, outcome, row, after_post=True)


ROUTES: list[BaseRoute] = [Route(CONSENT_PATH, consent, methods=["POST"])]
