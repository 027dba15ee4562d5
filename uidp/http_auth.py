"""Reading the session token from a request: the Bearer header for apps and scripts, else the cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection

SESSION_COOKIE = "uidp_session"


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return connection.cookies.get(SESSION_COOKIE) or None
