"""Plain HTTP routes for staff: downloading case documents (binary, so not through GraphQL)."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from uidp.domain.accounts import StaffRole
from uidp.domain.errors import DomainError
from uidp.http.auth import bearer_token
from uidp.http.client import request_client
from uidp.models.upload import Upload
from uidp.runtime import Runtime
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.audit import Audit
from uidp.services.shared.case_documents import case_showing
from uidp.services.shared.principal import Principal
from uidp.services.shared.uploads import Uploads

# The same rule as graph.permissions gives reviewCase: these roles, and the "review" scope on API tokens.
REVIEWER_ROLES = {StaffRole.REVIEWER, StaffRole.ADMINISTRATOR}
REVIEW_SCOPE = "review"


def _may_review(principal: Principal | None) -> bool:
    if principal is None or not principal.is_staff or not REVIEWER_ROLES & set(principal.roles):
        return False
    return principal.scopes is None or REVIEW_SCOPE in principal.scopes


async def staff_document(request: Request) -> Response:
    """A case document for a reviewer; anyone else, and any upload no case shows, gets the same 404."""
    rt: Runtime = request.app.state.runtime
    missing = PlainTextResponse("not found", status_code=404)
    try:
        principal = await Sessions(rt).principal(bearer_token(request))
    except DomainError:  # an expired API token: no document, like no token
        return missing
    if not _may_review(principal):
        return missing
    try:
        upload_id = uuid.UUID(request.path_params["upload_id"])
    except ValueError:
        return missing
    upload = await Upload.get_or_none(id=upload_id)
    case = await case_showing(upload) if upload is not None else None
    if upload is None or case is None:
        return missing
    content = await Uploads(rt).content(upload)
    client = request_client(request)
    await Audit(rt).record(
        "document.viewed", actor=principal, client=client, upload_id=str(upload.id), case_id=str(case.id)
    )
    return Response(
        content,
        media_type=upload.content_type,
        headers={"content-disposition": "inline", "cache-control": "no-store", "x-content-type-options": "nosniff"},
    )
