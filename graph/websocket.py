"""graphql-transport-ws on /graphql: browsers only from the configured origins; the session from connection_init.

A browser page on any site can open a WebSocket to us (the same-origin policy does not apply to the
handshake), so a handshake whose ``Origin`` is not in ``UIDP_ALLOWED_ORIGINS`` is refused before it is
accepted (HTTP 403). Strawberry's own check would also let in any origin that equals the ``Host`` header,
which a DNS-rebinding page controls. Clients that send no ``Origin`` are not browsers: they carry no
cookies of ours, and the connection authenticates only with the token in ``connection_init``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import ExecutionResult, GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.http.websocket_origin import normalize_origin
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from graph.context import Context
from uidp.domain.errors import DomainError
from uidp.http.client import client_info
from uidp.services.shared.leases import open_socket_slot

log = logging.getLogger("uidp.websocket")
ONLY_SUBSCRIPTIONS = "Only subscriptions are served over WebSocket; send queries and mutations with POST /graphql."
MAX_TOKEN_LENGTH = 128  # session tokens are 43 characters, API tokens a little longer


def allowed_origins(origins: Iterable[str]) -> frozenset[str]:
    """The configured origins as browsers send them (lower case, default ports left out)."""
    return frozenset(normalized for origin in origins if (normalized := normalize_origin(origin)))


def origin_allowed(scope: Scope, origins: frozenset[str]) -> bool:
    sent = [value for name, value in scope.get("headers", []) if name == b"origin"]
    if not sent:
        return True
    return len(sent) == 1 and normalize_origin(sent[0].decode("latin-1")) in origins


def connection_token(params: Mapping[str, Any] | None) -> str | None:
    """The token of ``connection_init`` (``token``, or ``authorization: Bearer ...``); None when absent."""
    params = params or {}
    token = params.get("token")
    if token is None and isinstance(params.get("authorization"), str):
        scheme, _, token = params["authorization"].partition(" ")
        if scheme.lower() != "bearer":
            raise ConnectionRejectionError
    if token is None:
        return None
    if not isinstance(token, str) or not 0 < len(token.strip()) <= MAX_TOKEN_LENGTH:
        raise ConnectionRejectionError
    return token.strip()


class SubscriptionsOnlyOverWebSocket(SchemaExtension):
    """Queries and mutations go over POST: over a WebSocket there is no cookie to set and no HTTP guard."""

    def on_execute(self) -> Iterator[None]:
        run = self.execution_context
        if isinstance(getattr(run.context, "request", None), WebSocket) and (
            run.operation_type is not OperationType.SUBSCRIPTION
        ):
            run.result = ExecutionResult(data=None, errors=[GraphQLError(ONLY_SUBSCRIPTIONS)])
        yield


class WebSocketMixin:
    """Put it first in the bases of the view; ``origins`` comes from :func:`allowed_origins`.

    ``per_address`` (``UIDP_WEBSOCKETS_PER_ADDRESS``, 0: no limit) bounds the sockets one client address holds
    open across all workers: each takes a slot (:mod:`uidp.services.shared.leases`) before the handshake is
    accepted and gives it back when it closes, so one address cannot pin every worker's connections and the
    store's subscriptions."""

    origins: frozenset[str]
    per_address: int
    trusted: list[str]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        socket = WebSocket(scope, receive=receive, send=send)
        if not origin_allowed(scope, self.origins):
            await socket.close(code=1008)  # before accept: HTTP 403
            return
        if not self.per_address:
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        lease = await open_socket_slot(socket.app.state.runtime, client_info(socket, self.trusted), self.per_address)
        if lease is None:
            log.info("websocket refused: the address holds UIDP_WEBSOCKETS_PER_ADDRESS sockets already")
            await socket.close(code=1008)  # before accept: HTTP 403
            return
        async with lease.kept():
            await super().__call__(scope, receive, send)  # type: ignore[misc]

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Anonymous without a token; with one, it must name a live session (else close 4403)."""
        token = connection_token(context.connection_params)
        if token is None:
            return UNSET
        context.use_token(token)
        try:
            principal = await context.principal()
        except DomainError as error:  # e.g. an expired API token
            raise ConnectionRejectionError from error
        if principal is None:
            raise ConnectionRejectionError
        return UNSET
