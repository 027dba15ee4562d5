"""Which review case shows an uploaded document: a reviewer may open an upload only through its case (A1)."""

from __future__ import annotations

from uidp.domain.accounts import SubjectKind
from uidp.models.review import CaseKind, ReviewCase
from uidp.models.upload import Upload

# A case is opened when its documents are claimed, moments after they were uploaded; a few candidates suffice.
CANDIDATES = 50


async def case_showing(upload: Upload) -> ReviewCase | None:
    """The review case whose document list (what ``ReviewCase.documents`` links to) names this upload.

    An unclaimed upload, or one claimed by a flow that opened no case, is shown by no case.
    """
    if upload.owner_id is None:
        return None
    query = ReviewCase.filter(submitted_at__gte=upload.created_at)
    if upload.owner_kind == SubjectKind.PERSON:
        query = query.filter(person_id=upload.owner_id)
    elif upload.owner_kind == SubjectKind.ENTITY:
        query = query.filter(kind=CaseKind.ENTITY_APPEAL)
    wanted = str(upload.id)
    for case in await query.order_by("submitted_at").limit(CANDIDATES):
        if wanted in (case.summary.get("documents") or {}).values():
            return case
    return None
