"""``GET /metrics`` on the API's own address: only for a scraper that sends ``UIDP_METRICS_TOKEN``.

Without a configured token the route answers 404 (scrape ``UIDP_METRICS_BIND`` instead, which ``uidp serve``
opens on a separate address). A missing or wrong token answers 401 and shows nothing.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from uidp.observability.metrics import CONTENT_TYPE_LATEST, exposition
from uidp.observability.review_queue import refresh_review_queue
from uidp.runtime import Runtime


async def metrics(request: Request) -> Response:
    """The Prometheus text exposition, for the bearer of the scrape token."""
    runtime: Runtime = request.app.state.runtime
    expected = runtime.settings.metrics_token
    if not expected:
        return PlainTextResponse("Not Found", status_code=404)
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return PlainTextResponse(
            "a scrape needs the metrics token", status_code=401, headers={"www-authenticate": "Bearer"}
        )
    await refresh_review_queue(runtime)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
