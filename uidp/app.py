"""create_app(): the Starlette application with its lifespan (Tortoise, store, plugins) and routes."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from uidp.chores import start_chores, stop_chores
from uidp.clock import Clock
from uidp.config import Settings
from uidp.db import tortoise_config
from uidp.http.guards import HttpGuards
from uidp.http.health import live, ready
from uidp.http.metrics_route import metrics
from uidp.http.oidc import oidc_routes
from uidp.http.pages import page_routes
from uidp.http.request_log import RequestLog
from uidp.http.staff_routes import staff_document
from uidp.observability.logs import configure_logging
from uidp.plugin_host import PluginHost
from uidp.runtime import Runtime
from uidp.sqlite import start_checkpoints, stop_checkpoints
from uidp.store.base import Store

log = logging.getLogger("uidp")

# uidp never imports the GraphQL adapter; it loads it by name, as it loads plugins.
GRAPHQL_ADAPTER = "graph.app"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    extra_plugins: Iterable[object] = (),
) -> Starlette:
    """The ASGI app. ``uidp serve`` calls it with settings from the environment."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    plugins = PluginHost(settings, extra_plugins)
    plugins.check_production()
    adapter = importlib.import_module(GRAPHQL_ADAPTER)
    graphql = adapter.graphql_endpoint(settings)
    routes: list[BaseRoute] = [
        Route("/health", ready, methods=["GET"]),  # the first probe, kept: readiness
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *page_routes(),  # the hosted pages: /login, /static
        Route("/staff/documents/{upload_id}", staff_document, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        *adapter.extra_routes(settings),
        *(oidc_routes() if settings.oidc_enabled else ()),  # production: once UIDP_OIDC_ISSUER is set
        *(Route(r.path, r.endpoint, methods=list(r.methods)) for r in plugins.routes),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            runtime = Runtime.build(settings, clock=clock, store=store, plugins=plugins)
            app.state.runtime = runtime
            await runtime.hasher.warm_up()
            checkpoints = await start_checkpoints(settings.resolved_database_url())
            chores = app.state.chores = start_chores(runtime)
            try:
                yield
            finally:
                await stop_chores(chores)
                await stop_checkpoints(checkpoints)
                await runtime.close()

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestLog, trusted_proxies=settings.list_of(settings.trusted_proxies)),
            Middleware(HttpGuards, max_body_bytes=settings.max_body_bytes),
        ],
    )
