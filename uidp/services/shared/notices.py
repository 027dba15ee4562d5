"""Account notices: posted by a flow that changed an account behind its owner's back, shown at next login.

A notice stays pending until its owner acknowledges it (``acknowledgeNotice``); front ends list the pending
ones from ``LoginSuccess.notices`` or ``me { ... on PersonAccount { notices } }``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.notice import AccountNotice, NoticeKind
from uidp.runtime import Runtime
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo, Principal

MAX_PENDING_LISTED = 20
MESSAGES = {
    NoticeKind.PHONE_MOVED_BY_APPEAL: (
        "您账号绑定的手机号{phone}已由手机号实际使用人通过账号申诉取回，您的账号已解除该手机号。"
        "请在“用户空间”绑定您本人的新手机号；如有疑问，请联系客服。"
    ),
}


@dataclass(frozen=True)
class NoticeView:
    id: uuid.UUID
    kind: NoticeKind
    message: str
    created_at: datetime


class Notices:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def post(self, subject: tuple[str, uuid.UUID], kind: NoticeKind, **details: Any) -> AccountNotice:
        """Leave a notice for an account (inside the caller's transaction); ``details`` must be masked."""
        return await AccountNotice.create(
            id=uuid.uuid4(),
            subject_kind=subject[0],
            subject_id=subject[1],
            kind=kind,
            details=details,
            created_at=self.rt.clock.now(),
        )

    async def pending(self, subject_kind: str, subject_id: uuid.UUID) -> list[NoticeView]:
        """Unacknowledged notices of the account, oldest first."""
        rows = (
            await AccountNotice.filter(subject_kind=subject_kind, subject_id=subject_id, acknowledged_at__isnull=True)
            .order_by("created_at", "id")
            .limit(MAX_PENDING_LISTED)
        )
        return [NoticeView(row.id, NoticeKind(row.kind), _message(row), row.created_at) for row in rows]

    async def acknowledge(self, principal: Principal, notice_id: str, client: ClientInfo) -> None:
        """The owner has read the notice; someone else's or an unknown notice answers NOT_FOUND alike."""
        try:
            wanted = uuid.UUID(str(notice_id))
        except ValueError:
            raise _not_found() from None
        done = await AccountNotice.filter(
            id=wanted, subject_kind=principal.kind, subject_id=principal.id, acknowledged_at__isnull=True
        ).update(acknowledged_at=self.rt.clock.now())
        if not done:
            raise _not_found()
        await Audit(self.rt).record(
            "notice.acknowledged", subject=(principal.kind, principal.id), client=client, notice_id=str(wanted)
        )


def _message(row: AccountNotice) -> str:
    return MESSAGES[NoticeKind(row.kind)].format(phone=row.details.get("phone", ""))


def _not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "通知不存在或已确认", "noticeId")
