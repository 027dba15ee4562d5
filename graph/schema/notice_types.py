"""Account notices (shown at the next login until acknowledged)."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from uidp.models.notice import NoticeKind as DomainNoticeKind
from uidp.services.shared.notices import Notices, NoticeView

NoticeKind = strawberry.enum(
    DomainNoticeKind, name="NoticeKind", description="What happened to the account that a notice tells its owner."
)


@strawberry.type(description="Something changed on the account that its owner must know; shown until acknowledged.")
class AccountNotice:
    id: strawberry.ID
    kind: NoticeKind
    message: str
    created_at: datetime

    @classmethod
    def of(cls, view: NoticeView) -> AccountNotice:
        return cls(id=strawberry.ID(str(view.id)), kind=view.kind, message=view.message, created_at=view.created_at)


async def own_notices(info: strawberry.Info, subject_kind: str, subject_id: uuid.UUID) -> list[AccountNotice]:
    """The account's pending notices, for its own session only (anyone else sees none)."""
    principal = await info.context.principal()
    if principal is None or principal.kind != subject_kind or principal.id != subject_id:
        return []
    return [AccountNotice.of(n) for n in await Notices(info.context.rt).pending(subject_kind, subject_id)]
