"""``GET`` / ``POST /oidc/authorize`` (RFC 6749 §4.1.1, OIDC Core §3.1.2, RFC 9126 §4): the browser arrives
from a connected system with ``client_id`` and a pushed ``request_uri`` (FAPI clients must; basic clients
may send the request in the query), and comes back here with ``pending`` from the login and step-up pages.

Entry: the parameters (each once, bounded), the client, then the pushed request (spent) or the query request
(validated). Until the client and its redirect URI are established an error is the Chinese error page (400),
never a redirect; after that it goes back to the redirect URI with ``error``, ``state`` and ``iss``. A valid
request is kept as a pending request bound to the browser's login cookie (SameSite=Lax, set here if the
browser has none), and the flow decides: login, step-up, consent or the code (``flow_pages.answer``).

The session cookie is SameSite=Strict, so a browser sent here by another site does not show it (RFC 6265bis
§5.2): a navigation that comes from another site (``Sec-Fetch-Site`` cross-site or same-site, or a POST)
without the session cookie gets a small same-origin page that continues to ``?pending=`` (a meta refresh, no
script), where the cookie is seen and a person already logged in is not asked to log in again.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.domain.oidc import OAuthError
from uidp.http.auth import session_cookie_name
from uidp.http.client import request_client
from uidp.http.login_browser import browser_of, browser_or_new, set_browser_cookie
from uidp.http.oidc.flow_pages import answer, error_page, redirect, runtime, session_row
from uidp.http.pages.render import render
from uidp.runtime import Runtime
from uidp.services.oidc.authorize import AUTHORIZE_PATH, AuthorizationFlow, continuation
from uidp.services.oidc.clients import OidcClients
from uidp.services.oidc.par import PushedRequests
from uidp.services.oidc.requests import (
    MAX_PARAMETERS,
    AuthorizationRequest,
    RequestRefused,
    client_id_of,
    parameters,
    validate_request,
)

FROM_ELSEWHERE = frozenset({"cross-site", "same-site"})


async def authorize(request: Request) -> Response:
    rt = runtime(request)
    after_post = request.method == "POST"
    if after_post:
        items: Iterable[tuple[str, str]] = [
            (name, value)
            for name, value in (await request.form(max_files=0, max_fields=MAX_PARAMETERS + 1)).multi_items()
            if isinstance(value, str)
        ]
    else:
        items = request.query_params.multi_items()
    items = list(items)
    if not after_post and [name for name, _ in items] == ["pending"]:
        return await resume(request, items[0][1])
    client_id = ""
    try:
        params = parameters(items)
        client_id = client_id_of(params)
        authorization = await _request(rt, client_id, params)
        browser, fresh = browser_or_new(request, rt.settings)
        pending = await AuthorizationFlow(rt).start(authorization, browser, request_client(request))
    except RequestRefused as refused:
        if refused.redirect_uri is None:
            return error_page(request, refused)
        url = await AuthorizationFlow(rt).refused(refused, client_id, request_client(request))
        return redirect(url, after_post=after_post)
    if after_post or (
        request.headers.get("sec-fetch-site") in FROM_ELSEWHERE
        and not request.cookies.get(session_cookie_name(rt.settings))
    ):
        context = {"title": "正在前往登录", "next": continuation(pending)}
        response: Response = render(request, "oidc_continue.html", context)
    else:
        response = await _decide(request, pending, browser, after_post=after_post)
    if fresh:
        set_browser_cookie(response, rt.settings, browser)
    return response


async def resume(request: Request, pending: str) -> Response:
    """``?pending=``: back from the login or step-up page (or the same-origin continuation)."""
    return await _decide(request, pending, browser_of(request, runtime(request).settings), after_post=False)


async def _decide(request: Request, pending: str, browser: str | None, *, after_post: bool) -> Response:
    rt = runtime(request)
    row = await session_row(request)
    try:
        outcome = await AuthorizationFlow(rt).decide(pending, browser, row, request_client(request))
    except RequestRefused as refused:
        return error_page(request, refused, expired=refused.error == OAuthError.INVALID_REQUEST)
    return await answer(request, outcome, row, after_post=after_post)


async def _request(rt: Runtime, client_id: str, params: dict[str, str]) -> AuthorizationRequest:
    """The authorization request: the pushed one behind ``request_uri`` (spent; its other parameters are
    ignored, RFC 9126 §4), or the query's, validated. :class:`RequestRefused` otherwise."""
    client = await OidcClients(rt).by_client_id(client_id)
    if client is None:
        raise RequestRefused(OAuthError.INVALID_CLIENT, "unknown client")
    if "request_uri" in params:
        return await PushedRequests(rt).take(params["request_uri"], client)
    return validate_request(client, params, pushed=False)


ROUTES: list[BaseRoute] = [Route(AUTHORIZE_PATH, authorize, methods=["GET", "POST"])]
