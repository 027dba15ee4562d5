"""The staff review queue (A1): open cases, list them oldest first, decide each exactly once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.person import Person
from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.runtime import Runtime
from uidp.services.audit import Audit
from uidp.services.notify import notify_by_sms
from uidp.services.pagination import decode_cursor, page_size
from uidp.services.pii import Pii
from uidp.services.principal import ClientInfo, Principal

KIND_LABELS = {
    CaseKind.MANUAL_REGISTRATION: "人工注册审核",
    CaseKind.PHONE_APPEAL: "手机号被他人注册申诉",
    CaseKind.CERTIFICATE_APPEAL: "身份证号被他人手机号注册申诉",
    CaseKind.ENTITY_APPEAL: "法人账号申诉",
}

_CLAIMS_ACCOUNT_NUMBER = (CaseKind.MANUAL_REGISTRATION, CaseKind.CERTIFICATE_APPEAL)

# What approving or rejecting a case does, by kind: (rt, case, details) inside the decision's transaction.
Effect = Callable[[Runtime, ReviewCase, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class CaseEffects:
    approve: Effect
    reject: Effect
    approved_text: str
    rejected_text: str  # "{reason}" is replaced by the reviewer's reason


class ReviewCases:
    """Opening cases is for the flows that need review; deciding is for staff reviewers."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)

    async def open(
        self,
        kind: CaseKind,
        *,
        notify_phone: str,
        details: dict[str, Any],
        summary: dict[str, Any],
        person_id: uuid.UUID | None = None,
        pending_key: str | None = None,
    ) -> ReviewCase:
        """Create a pending case (inside the caller's transaction); due after the configured working days."""
        now = self.rt.clock.now()
        case_id = uuid.uuid4()
        return await ReviewCase.create(
            id=case_id,
            kind=kind,
            status=CaseStatus.PENDING,
            person_id=person_id,
            pending_key=self.pii.digest(f"case:{kind.value}", pending_key) if pending_key else None,
            submitted_at=now,
            due_at=self.rt.settings.work_calendar().due_after(now, self.rt.settings.review_due_working_days),
            notify_phone_enc=self.pii.seal(f"case:{case_id}:phone", case_id, notify_phone),
            details_enc=self.pii.seal(f"case:{case_id}:details", case_id, json.dumps(details, ensure_ascii=False)),
            summary=summary,
        )

    async def queue(
        self, *, kind: CaseKind | None = None, first: int = 20, after: str | None = None
    ) -> tuple[list[ReviewCase], bool]:
        """Pending cases, oldest first; returns the page and whether more follow."""
        first = page_size(first)
        query = ReviewCase.filter(status=CaseStatus.PENDING)
        if kind is not None:
            query = query.filter(kind=kind)
        if after:
            at, case_id = decode_cursor(after)
            query = query.filter(Q(submitted_at__gt=at) | Q(submitted_at=at, id__gt=case_id))
        rows = await query.order_by("submitted_at", "id").limit(first + 1)
        return rows[:first], len(rows) > first

    async def get(self, case_id: uuid.UUID) -> ReviewCase | None:
        return await ReviewCase.get_or_none(id=case_id)

    def _subject(self, case: ReviewCase) -> tuple[str, uuid.UUID] | None:
        """Whom a decision is about: the person, or for an entity appeal the entity named in the details."""
        if case.person_id:
            return ("person", case.person_id)
        entity_id = self.details(case).get("entity_id")
        return ("entity", uuid.UUID(entity_id)) if entity_id else None

    async def claimed_certificate_number(self, actor: Principal, case: ReviewCase, client: ClientInfo) -> str | None:
        """The full certificate number a person's case claims, for the reviewer deciding it; audited.

        A manual registration or certificate appeal claims its account's number; a phone appeal the number it
        names. Everywhere else (queue, summary, audit) numbers stay masked.
        """
        number = self.details(case).get("certificate_number")
        if number is None and case.person_id and case.kind in _CLAIMS_ACCOUNT_NUMBER:
            person = await Person.get_or_none(id=case.person_id)
            if person is not None:
                number = self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)
        if number is not None:
            await Audit(self.rt).record(
                "review.certificate_number_shown", actor=actor, client=client, case_id=str(case.id), kind=str(case.kind)
            )
        return number

    def details(self, case: ReviewCase) -> dict[str, Any]:
        return json.loads(self.pii.open(f"case:{case.id}:details", case.id, case.details_enc))

    async def decide(
        self, actor: Principal, case_id: uuid.UUID, *, approve: bool, reason: str | None, client: ClientInfo
    ) -> ReviewCase:
        """Approve or reject once; the effects and the status change commit together, then the SMS goes out."""
        from uidp.services.case_effects import EFFECTS  # the effects reach into many services

        reason = (reason or "").strip()
        if not approve and not reason:
            raise DomainError(ErrorCode.REQUIRED, "驳回时请填写原因，申请人会收到短信", "reason")
        if len(reason) > 500:
            raise DomainError(ErrorCode.INVALID_FORMAT, "原因不能超过500字", "reason")
        case = await self.get(case_id)
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
            await (effects.approve if approve else effects.reject)(self.rt, case, self.details(case))
        phone = self.pii.open(f"case:{case.id}:phone", case.id, case.notify_phone_enc)
        text = effects.approved_text if approve else effects.rejected_text.format(reason=reason)
        notified = await notify_by_sms(self.rt, phone, text, purpose=f"REVIEW_{case.kind}")
        await Audit(self.rt).record(
            "review.decided",
            actor=actor,
            subject=self._subject(case),
            client=client,
            case_id=str(case.id),
            kind=str(case.kind),
            decision="approved" if approve else "rejected",
            notified=notified,
        )
        return await ReviewCase.get(id=case_id)
