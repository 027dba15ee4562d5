"""ASGI middleware: the request id, one JSON log line per HTTP request, and the request latency metric.

The line carries the request id (the caller's ``X-Request-ID`` when it is a plain token, else a new one; sent
back in the response either way), method, route, status, duration, the GraphQL operation name and result type
or error code (graph.observe fills them), the client address masked as in the audit log, and the worker's pid.
Nothing of the body, the query string, headers or the variables is logged.
"""

from __future__ import annotations

import logging
import os
import time

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uidp.http.client import client_info
from uidp.observability.metrics import IN_FLIGHT, REQUEST_SECONDS, bounded
from uidp.observability.request_record import REQUEST_ID_HEADER, RequestRecord, new_record

log = logging.getLogger("uidp.request")
QUIET_PATHS = ("/health", "/metrics")  # probes and scrapes: logged at debug level unless they fail


class RequestLog:
    """Wraps the app: every HTTP request gets a record, a response header, a log line and a latency sample."""

    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        self.app = app
        self.trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = new_record(scope)
        started = time.perf_counter()
        status = 500  # an exception before the response started: Starlette answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (REQUEST_ID_HEADER, record.request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            IN_FLIGHT.dec()
            self._finish(scope, record, status, time.perf_counter() - started)

    def _finish(self, scope: Scope, record: RequestRecord, status: int, seconds: float) -> None:
        path: str = scope.get("path", "")
        route = route_of(path)
        operation = record.operation or route
        result = record.result or ("ok" if status < 400 else str(status))
        REQUEST_SECONDS.labels(operation=operation, result=bounded("result", result)).observe(seconds)
        client = client_info(HTTPConnection(scope), self.trusted)
        fields = {
            "request_id": record.request_id,
            "method": scope.get("method"),
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "operation": record.operation,
            "result": record.result,
            "error_code": record.error_code,
            "client": client.masked_address,
            "worker": os.getpid(),
        }
        quiet = path.startswith(QUIET_PATHS) and status < 500
        log.log(logging.DEBUG if quiet else logging.INFO, "request", extra={"fields": fields})


def route_of(path: str) -> str:
    """The path without ids: its first segment (``/graphql``, ``/health``, ``/staff``, ``/plugins``)."""
    first = path.split("/", 2)[1] if path.count("/") >= 1 else ""
    return "/" + bounded("route", first) if first else "/"
