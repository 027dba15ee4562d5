"""A tiny Starlette app for the multi-worker server tests: every response is the worker's pid."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def pid(request: Request) -> PlainTextResponse:
    """Answer the pid of the worker process that handled the request."""
    return PlainTextResponse(str(os.getpid()))


def create_app() -> Starlette:
    """App factory for ``uidp.http.server.serve(factory="_server_app:create_app")``."""
    return Starlette(routes=[Route("/", pid)])
