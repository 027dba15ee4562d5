"""Reading the form of a token, revocation or introspection request (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1).

Parameters come in an ``application/x-www-form-urlencoded`` body only: none in the query string (a code or token
there ends up in logs), each at most once (RFC 6749 §3.1), UTF-8 without control characters, in a small body.
Everything else is ``invalid_request`` before any lookup.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from uidp.domain.oidc import OAuthError
from uidp.services.oidc.problems import OAuthProblem

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16 * 1024  # a client assertion and a refresh token fit in a fraction of this
MAX_VALUE_CHARS = 8 * 1024


def _refuse(description: str) -> OAuthProblem:
    return OAuthProblem(OAuthError.INVALID_REQUEST, description)


async def read_form(request: Request) -> dict[str, str]:
    """The request's form parameters, each once; :class:`OAuthProblem` ``invalid_request`` otherwise."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_TYPE:
        raise _refuse(f"the body must be {FORM_TYPE}")
    if request.url.query:
        raise _refuse("parameters must be sent in the body, not in the query string")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise _refuse("the body is too large")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise _refuse("the body is too large")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise _refuse("the body is not a valid UTF-8 form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _refuse(f"parameter {name[:40]!r} is repeated")
        if len(value) > MAX_VALUE_CHARS or any(ord(char) < 0x20 or ord(char) == 0x7F for char in name + value):
            raise _refuse(f"parameter {name[:40]!r} is too long or has control characters")
        form[name] = value
    return form
