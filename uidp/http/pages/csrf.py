"""CSRF protection of the hosted pages' POST forms (decision 251): a signed double-submit cookie plus a check of
where the request came from.

- The browser gets a random cookie (HttpOnly, SameSite=Lax, ``__Host-`` in production); every form carries
  the keyed digest of that cookie (``rt.one_time_digest``), so a site that can plant a cookie still cannot make
  the matching field, and a site that cannot read our page cannot learn it.
- The request must come from one of our own pages: ``Sec-Fetch-Site: same-origin`` where the browser sends it,
  else an ``Origin`` (or, without one, a ``Referer``) of our own origin. Our pages answer
  ``Referrer-Policy: no-referrer``, under which a browser sends ``Origin: null`` on a form POST (Fetch,
  "append a request Origin header"), so ``Sec-Fetch-Site`` is what a current browser is judged by.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from uidp.runtime import Runtime
from uidp.security.tokens import new_token

CSRF_COOKIE = "uidp_csrf"
HOST_CSRF_COOKIE = "__Host-uidp_csrf"  # production: Secure, Path=/, no Domain
CSRF_FIELD = "csrf_token"
_PURPOSE = "pages:csrf"
MAX_FIELDS = 40  # the largest form has a dozen; more is not one of ours


class CsrfRefused(Exception):
    """A POST that did not come from one of our pages (``reason`` is for the log, never shown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def cookie_name(rt: Runtime) -> str:
    return HOST_CSRF_COOKIE if rt.settings.is_production else CSRF_COOKIE


def csrf_token(request: Request) -> tuple[str, str | None]:
    """The form token for this browser, and the new cookie value to set when it had none (else None)."""
    rt = _runtime(request)
    cookie = request.cookies.get(cookie_name(rt)) or ""
    fresh = None
    if not _plausible(cookie):
        cookie = fresh = new_token()
    return rt.one_time_digest(_PURPOSE, cookie), fresh


def set_csrf_cookie(response: Response, request: Request, value: str) -> None:
    rt = _runtime(request)
    response.set_cookie(
        cookie_name(rt), value, httponly=True, secure=rt.settings.secure_cookie, samesite="lax", path="/"
    )


def own_origins(request: Request) -> set[str]:
    """This request's own origin (scheme and Host) and the configured UIDP_ALLOWED_ORIGINS (a TLS proxy's)."""
    settings = _runtime(request).settings
    origins = {f"{request.url.scheme}://{request.url.netloc}".lower()}
    origins.update(origin.rstrip("/").lower() for origin in settings.list_of(settings.allowed_origins))
    return origins


def check_source(request: Request) -> None:
    """Refuse a request another site made the browser send."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site != "same-origin":
            raise CsrfRefused(f"sec-fetch-site {fetch_site}")
        return
    origin = request.headers.get("origin")
    if origin is not None:
        if origin.rstrip("/").lower() not in own_origins(request):
            raise CsrfRefused("origin")
        return
    referer = request.headers.get("referer")
    if referer is not None:
        parts = urlsplit(referer)
        if f"{parts.scheme}://{parts.netloc}".lower() not in own_origins(request):
            raise CsrfRefused("referer")


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once its source and its token are ours; :class:`CsrfRefused` otherwise."""
    check_source(request)
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    rt = _runtime(request)
    cookie = request.cookies.get(cookie_name(rt)) or ""
    sent = form.get(CSRF_FIELD)
    if not _plausible(cookie) or not isinstance(sent, str) or not rt.one_time_matches(sent, _PURPOSE, cookie):
        raise CsrfRefused("token")
    return form


def _plausible(cookie: str) -> bool:
    return 20 <= len(cookie) <= 100 and cookie.isascii()
