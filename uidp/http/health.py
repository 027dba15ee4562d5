"""Liveness and readiness. Live: the process answers. Ready: it should get traffic now.

Ready means the database answers a query, the store a read, every migration this release ships is applied
(and none it does not know), the plugins are loaded (the lifespan has started), and the worker is not
draining (SIGTERM, uidp.http.drain). Each check answers ``ok`` or a short word; 503 when any is not ``ok``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from uidp.http.drain import draining
from uidp.observability.metrics import BACKEND_ERRORS, count_backend_error
from uidp.schema_version import schema_state


async def live(request: Request) -> JSONResponse:
    """200 while the process can answer at all (no dependency is checked: a restart would not fix them)."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    """200 when this worker should receive requests; 503 with the failing checks otherwise."""
    runtime = getattr(request.app.state, "runtime", None)
    checks: dict[str, str] = {"plugins": "ok" if runtime is not None else "loading"}
    try:
        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
        checks["migrations"] = await schema_state()
    except Exception as error:
        count_backend_error(error)
        checks.setdefault("database", "error")
        checks.setdefault("migrations", "error")
    try:
        if runtime is not None:
            await runtime.store.get("health")
        checks["store"] = "ok" if runtime is not None else "loading"
    except Exception:
        BACKEND_ERRORS.labels(backend="store").inc()
        checks["store"] = "error"
    if draining():
        checks["worker"] = "draining"
    healthy = all(value == "ok" for value in checks.values())
    status = "ok" if healthy else ("draining" if draining() else "degraded")
    return JSONResponse({"status": status, **checks}, status_code=200 if healthy else 503)
