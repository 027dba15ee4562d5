"""The one place that decides a caller's address: the socket peer, believed through X-Forwarded-For only for
the proxies listed in ``UIDP_TRUSTED_PROXIES``. GraphQL, the staff routes and plugin routes all use it, so every
audit event and every per-address limit sees the same address for the same caller."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

from uidp.services.shared.principal import ClientInfo

_SCOPE_KEY = "uidp.client"  # the answer for this request (its trusted proxies and the ClientInfo)


def client_info(connection: HTTPConnection, trusted_proxies: list[str]) -> ClientInfo:
    """The caller's address: the socket peer, or X-Forwarded-For's last untrusted hop behind our proxies.

    Worked out once per request (the GraphQL context and the request log both ask) and kept in its scope."""
    scope = connection.scope
    known = scope.get(_SCOPE_KEY)
    if known is not None and known[0] == trusted_proxies:
        return known[1]  # type: ignore[no-any-return]
    peer = connection.client.host if connection.client else "unknown"
    address = peer
    if peer in trusted_proxies:
        hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = hop
            if hop not in trusted_proxies:
                break
    found = ClientInfo(address=_valid(address), user_agent=connection.headers.get("user-agent", "")[:200])
    scope[_SCOPE_KEY] = (list(trusted_proxies), found)
    return found


@lru_cache(maxsize=4096)
def _valid(address: str) -> str:
    """The address if it is an IP address, else "unknown" (callers come back: their answers are kept)."""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    return address


def request_client(connection: HTTPConnection) -> ClientInfo:
    """:func:`client_info` with the app's own ``UIDP_TRUSTED_PROXIES``: what plugin routes and staff routes call."""
    settings = connection.app.state.runtime.settings
    return client_info(connection, settings.list_of(settings.trusted_proxies))
