"""Deciding a review case (A1): approve or reject exactly once, apply the case kind's effects, notify by SMS."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.runtime import Runtime
from uidp.services.oidc.outbox import wake
from uidp.services.shared.audit import Audit
from uidp.services.shared.notify import notify_by_sms
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.staff.case_effects import EFFECTS
from uidp.services.staff.review import ReviewCases


class CaseDecisions:
    """For staff reviewers: the decision and its effects commit together, then the applicant is told."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.cases = ReviewCases(rt)

    async def decide(
        self, actor: Principal, case_id: uuid.UUID, *, approve: bool, reason: str | None, client: ClientInfo
    ) -> ReviewCase:
        """Approve or reject once; the effects and the status change commit together, then the SMS goes out."""
        reason = (reason or "").strip()
        if not approve and not reason:
            raise DomainError(ErrorCode.REQUIRED, "驳回时请填写原因，申请人会收到短信", "reason")
        if len(reason) > 500:
            raise DomainError(ErrorCode.INVALID_FORMAT, "原因不能超过500字", "reason")
        case = await self.cases.get(case_id)
        if case is None:
            raise DomainError(ErrorCode.NOT_FOUND, "案件不存在", "caseId")
        effects = EFFECTS[CaseKind(case.kind)]
        now = self.rt.clock.now()
        async with in_transaction():
            decided = await ReviewCase.filter(id=case_id, status=CaseStatus.PENDING).update(
                status=CaseStatus.APPROVED if approve else CaseStatus.REJECTED,
                decided_at=now,
                decided_by=actor.id,
                decision_reason=reason or None,
                pending_key=None,
            )
            if decided != 1:
                raise DomainError(ErrorCode.CASE_ALREADY_DECIDED, "该案件已处理，不能重复审核", "caseId")
            await (effects.approve if approve else effects.reject)(self.rt, case, self.cases.details(case))
        await wake(self.rt)  # an effect may have owed connected systems a security event (C3)
        phone = self.cases.pii.open(f"case:{case.id}:phone", case.id, case.notify_phone_enc)
        text = effects.approved_text if approve else effects.rejected_text.format(reason=reason)
        notified = await notify_by_sms(self.rt, phone, text, purpose=f"REVIEW_{case.kind}")
        await Audit(self.rt).record(
            "review.decided",
            actor=actor,
            subject=self.cases.subject_of(case),
            client=client,
            case_id=str(case.id),
            kind=str(case.kind),
            decision="approved" if approve else "rejected",
            notified=notified,
        )
        return await ReviewCase.get(id=case_id)
