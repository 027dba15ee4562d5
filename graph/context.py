"""The per-request GraphQL context: the runtime, the caller's address, and the session, resolved once."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response

from uidp.domain.errors import DomainError
from uidp.http_auth import SESSION_COOKIE, bearer_token
from uidp.runtime import Runtime
from uidp.services.principal import ClientInfo, Principal
from uidp.services.sessions import Sessions


@dataclass
class Context:
    request: HTTPConnection
    response: Response | Any
    rt: Runtime
    client: ClientInfo
    token: str | None
    _resolved: bool = False
    _principal: Principal | None = None
    _refusal: DomainError | None = None  # e.g. an expired API token: every field hears the same
    loaders: dict[str, Any] = field(default_factory=dict)

    async def principal(self) -> Principal | None:
        """The authenticated subject of this request, or None; looked up once per request."""
        if not self._resolved:
            try:
                self._principal = await Sessions(self.rt).principal(self.token)
            except DomainError as refusal:
                self._refusal = refusal
            self._resolved = True
        if self._refusal is not None:
            raise self._refusal
        return self._principal


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


__all__ = ["SESSION_COOKIE", "Context", "bearer_token", "client_info"]
