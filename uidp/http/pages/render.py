"""Rendering a hosted page (decision 250): Jinja2 with autoescape from ``uidp/pages/templates``, a strict
Content-Security-Policy on every page, and the CSRF token of the browser in every template.

The app's :class:`~uidp.http.guards.HttpGuards` adds ``Cache-Control: no-store``, ``Referrer-Policy:
no-referrer``, ``X-Content-Type-Options: nosniff`` and ``X-Frame-Options: DENY`` to every response, pages
included; this module adds what only pages need.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from uidp.http.pages.csrf import CSRF_FIELD, CsrfRefused, checked_form, csrf_token, set_csrf_cookie
from uidp.pages import TEMPLATES_DIR

log = logging.getLogger("uidp.pages")

SITE_NAME = "湖北省统一身份认证平台"
STATIC_PREFIX = "/static"

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name is an error in the tests, not a blank on the page
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.globals.update(
    site_name=SITE_NAME,
    csrf_field=CSRF_FIELD,
    static=lambda path: f"{STATIC_PREFIX}/{path}",
)


def content_security_policy(form_action: Iterable[str] = ()) -> str:
    """No inline script or style, nothing from another host, never framed; forms post to us (and, where a
    form's answer redirects elsewhere, to the origins in ``form_action``: browsers check redirects too)."""
    targets = " ".join(["'self'", *(_origin(url) for url in form_action)])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action {targets}"
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
    *,
    form_action: Iterable[str] = (),
) -> HTMLResponse:
    """The page ``template`` with ``context`` (escaped), the CSRF token as ``csrf_token`` and the page headers.

    ``form_action``: absolute URLs whose origins a form of this page may end up at through a redirect (the
    consent page's answer goes to the connected system's redirect URI).
    """
    token, fresh_cookie = csrf_token(request)
    html = _templates.get_template(template).render({**(context or {}), "csrf_token": token})
    response = HTMLResponse(html, status_code=status)
    response.headers["content-security-policy"] = content_security_policy(form_action)
    response.headers["cross-origin-opener-policy"] = "same-origin"
    if fresh_cookie is not None:
        set_csrf_cookie(response, request, fresh_cookie)
    return response


def notice_page(request: Request, title: str, message: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page that only says something (logged in, refused, expired), with an optional ``link`` and ``link_text``."""
    return render(request, "notice.html", {"title": title, "message": message, **context}, status)


def refused_page(request: Request, refusal: CsrfRefused) -> HTMLResponse:
    log.warning("page form refused: %s %s", request.url.path, refusal.reason)
    return notice_page(request, "请求已失效", "页面已过期或请求来源不明，请返回后重新提交。", 403)


FormHandler = Callable[[Request, FormData], Awaitable[Response]]


def csrf_protected(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint that runs ``handler(request, form)`` only for a form from our own page in this browser;
    anything else gets the 403 page and nothing is done."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            form = await checked_form(request)
        except CsrfRefused as refusal:
            return refused_page(request, refusal)
        return await handler(request, form)

    return endpoint


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"form-action needs an absolute http(s) URL, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"
