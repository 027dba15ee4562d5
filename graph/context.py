"""The per-request GraphQL context: the runtime, the caller's address, and the session, resolved once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response

from graph.loaders import Loaders
from uidp.domain.errors import DomainError
from uidp.http.auth import SESSION_COOKIE, bearer_token
from uidp.http.client import client_info
from uidp.runtime import Runtime
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.principal import ClientInfo, Principal


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
    connection_params: dict[str, Any] | None = None  # WebSocket: the connection_init payload (set by Strawberry)

    @cached_property
    def loaders(self) -> Loaders:
        """One set per request (graph.loaders), made when a field first needs one (most requests need none)."""
        return Loaders.of(self.rt)

    def use_token(self, token: str) -> None:
        """Authenticate with this token from now on (WebSocket: the token of connection_init)."""
        self.token, self._resolved, self._principal, self._refusal = token, False, None, None

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


__all__ = ["SESSION_COOKIE", "Context", "bearer_token", "client_info"]
