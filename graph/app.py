"""The GraphQL schema and its Starlette-mounted view (HTTP + graphql-transport-ws)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.config import StrawberryConfig
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from graph.context import Context, bearer_token
from graph.direct_arguments import call_resolvers_directly
from graph.direct_fields import call_plain_resolvers
from graph.documents import prepared_documents
from graph.execution import ReleasingExecutionContext
from graph.hardening import ProductionMaskErrors, QuietSchema, UidpMaskErrors, document_rules
from graph.ide import ide_response, ide_routes
from graph.input_guard import guard_schema
from graph.limits import budget_mutations
from graph.media_type import MediaTypeMixin
from graph.observe import ObserveRequest, observe_root_fields
from graph.request_body import RequestBodyMixin
from graph.schema.root import Mutation, Query, Subscription
from graph.websocket import SubscriptionsOnlyOverWebSocket, WebSocketMixin, allowed_origins
from uidp.config import Settings
from uidp.http.client import client_info


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the hardening extensions these settings ask for (factories, never instances)."""
    rules = document_rules(settings.max_query_depth, settings.max_aliases, settings.introspection_enabled)
    extensions: list[Any] = [
        ObserveRequest,
        prepared_documents(settings.max_tokens, rules),  # parse and validate each text once, with the limits
        ProductionMaskErrors if settings.is_production else UidpMaskErrors,
        SubscriptionsOnlyOverWebSocket,
    ]
    budget_mutations(Mutation)  # AnonymousMutationBudget on each root mutation field
    schema = QuietSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
        execution_context_class=ReleasingExecutionContext,  # no reference cycle left by an operation
    )
    call_plain_resolvers(schema._schema)
    call_resolvers_directly(schema)  # the other resolver fields, their arguments converted by prepared code
    guard_schema(schema._schema)
    observe_root_fields(schema._schema)  # after the guard: its refusals are answers too
    return schema


class UidpGraphQL(WebSocketMixin, RequestBodyMixin, MediaTypeMixin, GraphQL):
    """Strawberry's ASGI view with our context; GET queries and batching stay off; the response's media type
    follows ``Accept`` (graph.media_type); WebSockets only from the configured origins, authenticated by
    connection_init."""

    def __init__(self, settings: Settings, schema: strawberry.Schema) -> None:
        self.origins = allowed_origins(settings.websocket_origins)
        self.per_address = settings.websockets_per_address
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.ide_enabled else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=10,
            allowed_origins=tuple(self.origins),
        )
        self.trusted = settings.list_of(settings.trusted_proxies)

    async def render_graphql_ide(self, request: Request) -> Response:
        return ide_response()  # Strawberry's page, with its files served by this app (graph.ide)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context(
            request=request,
            response=response,
            rt=request.app.state.runtime,
            client=client_info(request, self.trusted),
            token=None if isinstance(request, WebSocket) else bearer_token(request),  # WebSocket: connection_init
        )


def graphql_endpoint(settings: Settings) -> UidpGraphQL:
    """What uidp.app mounts at /graphql (HTTP and WebSocket)."""
    return UidpGraphQL(settings, build_schema(settings))


def extra_routes(settings: Settings) -> list[BaseRoute]:
    """What uidp.app mounts beside /graphql: the dev IDE's files, when the IDE is on."""
    return ide_routes(settings.ide_enabled)
