"""Where the login page sends the browser afterwards: a path of this site, never another site (decision 253).

``return_to`` comes from the query string, so anyone can put anything there: it must be a path that every
browser resolves to this origin. Refused: a scheme (``https:``, ``javascript:``), an authority (``//host``), a
backslash anywhere (browsers read ``/\\host`` as ``//host``), white space and control characters (browsers drop
tab and line breaks from URLs, so ``/<tab>/host`` would become ``//host``), and anything not printable ASCII
(a real continuation is percent-encoded).
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_RETURN_TO = 2048


class BadReturnTo(ValueError):
    """``return_to`` names a place that is not a path of this site."""


def safe_return_to(value: str | None) -> str | None:
    """The same-origin path ``value``, or None when there is none; :class:`BadReturnTo` for anything else."""
    if value is None or value == "":
        return None
    if len(value) > MAX_RETURN_TO:
        raise BadReturnTo("too long")
    if not all("!" <= ch <= "~" for ch in value) or "\\" in value:
        raise BadReturnTo("characters")
    if not value.startswith("/") or value.startswith("//"):
        raise BadReturnTo("not a path")
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        raise BadReturnTo("not a path")
    return value
