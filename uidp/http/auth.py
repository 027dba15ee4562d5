"""The HTTP edge's view of a caller's session: the token (Bearer header, else the cookie) and the session cookie.

GraphQL and the plain staff routes both use these, so a document download and a GraphQL call from the same
caller read the same cookie.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from uidp.config import Settings

SESSION_COOKIE = "uidp_session"
# Production: a __Host- cookie is Secure, has Path=/ and no Domain, so a sibling subdomain cannot plant one.
HOST_SESSION_COOKIE = "__Host-uidp_session"


def session_cookie_name(settings: Settings) -> str:
    return HOST_SESSION_COOKIE if settings.is_production else SESSION_COOKIE


def _settings_of(connection: HTTPConnection) -> Settings | None:
    runtime = getattr(connection.app.state, "runtime", None) if "app" in connection.scope else None
    return runtime.settings if runtime is not None else None


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    settings = _settings_of(connection)
    name = session_cookie_name(settings) if settings is not None else SESSION_COOKIE
    return connection.cookies.get(name) or None


def set_session_cookie(response: Any, settings: Settings, token: str, max_age: int) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Path=/, never a Domain; Secure and __Host- in production."""
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=max_age,
        httponly=True,
        secure=settings.secure_cookie,
        samesite="strict",
        path="/",
    )


def clear_session_cookie(response: Any, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie_name(settings), path="/", secure=settings.secure_cookie, httponly=True, samesite="strict"
    )
