"""The one place that decides a caller's address: the socket peer, believed through X-Forwarded-For only for
the proxies listed in ``UIDP_TRUSTED_PROXIES``. GraphQL, the staff routes and plugin routes all use it, so every
audit event and every per-address limit sees the same address for the same caller."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

from uidp.services.shared.principal import ClientInfo


def client_info(connection: HTTPConnection, trusted_proxies: list[str]) -> ClientInfo:
    """The caller's address: the socket peer, or X-Forwarded-For's last untrusted hop behind our proxies."""
    peer = connection.client.host if connection.client else "unknown"
    address = peer
    if peer in trusted_proxies:
        hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = hop
            if hop not in trusted_proxies:
                break
    try:
        ipaddress.ip_address(address)
    except ValueError:
        address = "unknown"
    return ClientInfo(address=address, user_agent=connection.headers.get("user-agent", "")[:200])


def request_client(connection: HTTPConnection) -> ClientInfo:
    """:func:`client_info` with the app's own ``UIDP_TRUSTED_PROXIES``: what plugin routes and staff routes call."""
    settings = connection.app.state.runtime.settings
    return client_info(connection, settings.list_of(settings.trusted_proxies))
