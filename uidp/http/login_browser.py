"""The browser's login cookie (``uidp_login_browser``; ``__Host-`` in production): a random value naming one
browser, which browser-bound step tickets are bound to (a started partner login, a pending authorization
request). HttpOnly and SameSite=Lax, so that a top-level navigation from a partner or a connected system
back to uidp carries it (the session cookie is SameSite=Strict and does not come along on those)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from uidp.config import Settings
from uidp.security.tokens import new_token

BROWSER_COOKIE = "uidp_login_browser"
HOST_BROWSER_COOKIE = "__Host-uidp_login_browser"  # production: Secure, Path=/, no Domain


def browser_cookie_name(settings: Settings) -> str:
    return HOST_BROWSER_COOKIE if settings.is_production else BROWSER_COOKIE


def browser_of(connection: HTTPConnection, settings: Settings) -> str | None:
    """The browser's login cookie, or None when it has none (or one that cannot be ours)."""
    value = connection.cookies.get(browser_cookie_name(settings)) or ""
    return value if 20 <= len(value) <= 100 and value.isascii() else None


def browser_or_new(connection: HTTPConnection, settings: Settings) -> tuple[str, bool]:
    """(the browser's login cookie, whether it was made now and must be set on the answer)."""
    value = browser_of(connection, settings)
    return (value, False) if value is not None else (new_token(), True)


def set_browser_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        browser_cookie_name(settings), value, httponly=True, secure=settings.secure_cookie, samesite="lax", path="/"
    )
