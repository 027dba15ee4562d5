"""Plain HTTP routes for staff: downloading case documents (binary, so not through GraphQL)."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from uidp.http_auth import bearer_token
from uidp.models.upload import Upload
from uidp.runtime import Runtime
from uidp.services.audit import Audit
from uidp.services.principal import ClientInfo
from uidp.services.sessions import Sessions
from uidp.services.uploads import Uploads

REVIEWER_ROLES = {"reviewer", "administrator"}


async def staff_document(request: Request) -> Response:
    """A case document for a reviewer; anyone else gets the same 404 as for a missing document."""
    rt: Runtime = request.app.state.runtime
    missing = PlainTextResponse("not found", status_code=404)
    principal = await Sessions(rt).principal(bearer_token(request))
    if principal is None or not principal.is_staff or not REVIEWER_ROLES & set(principal.roles):
        return missing
    try:
        upload_id = uuid.UUID(request.path_params["upload_id"])
    except ValueError:
        return missing
    upload = await Upload.get_or_none(id=upload_id)
    if upload is None:
        return missing
    content = await Uploads(rt).content(upload)
    client = ClientInfo(request.client.host if request.client else "unknown", request.headers.get("user-agent", ""))
    await Audit(rt).record("document.viewed", actor=principal, client=client, upload_id=str(upload.id))
    return Response(
        content,
        media_type=upload.content_type,
        headers={"content-disposition": "inline", "cache-control": "no-store", "x-content-type-options": "nosniff"},
    )
