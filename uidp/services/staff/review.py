"""The staff review queue (A1): open cases, list them oldest first, decide each exactly once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from uidp.domain.accounts import SubjectKind
from uidp.models.person import Person
from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.runtime import Runtime
from uidp.services.shared.audit import Audit
from uidp.services.shared.pagination import Page, Window, keyset_page
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal

KIND_LABELS = {
    CaseKind.MANUAL_REGISTRATION: "人工注册审核",
    CaseKind.PHONE_APPEAL: "手机号被他人注册申诉",
    CaseKind.CERTIFICATE_APPEAL: "身份证号被他人手机号注册申诉",
    CaseKind.ENTITY_APPEAL: "法人账号申诉",
}

_CLAIMS_ACCOUNT_NUMBER = (CaseKind.MANUAL_REGISTRATION, CaseKind.CERTIFICATE_APPEAL)


def _no_key(_person: uuid.UUID | None, _phone: str, _details: dict[str, Any]) -> str | None:
    return None


#: What each kind's pending key is, read from the case's own columns: the rotation recomputes it from them.
PENDING_SOURCES: dict[CaseKind, Callable[[uuid.UUID | None, str, dict[str, Any]], str | None]] = {
    CaseKind.MANUAL_REGISTRATION: _no_key,
    CaseKind.PHONE_APPEAL: lambda _person, phone, _details: phone,
    CaseKind.CERTIFICATE_APPEAL: lambda person, _phone, _details: str(person) if person else None,
    CaseKind.ENTITY_APPEAL: lambda _person, _phone, details: details.get("entity_id"),
}


def pending_source(pii: Pii, case: ReviewCase) -> str | None:
    """The plain pending key of a pending case, from its sealed phone and details (for the digest's rotation)."""
    phone = pii.open(f"case:{case.id}:phone", case.id, case.notify_phone_enc)
    details = json.loads(pii.open(f"case:{case.id}:details", case.id, case.details_enc))
    return PENDING_SOURCES[case.kind](case.person_id, phone, details)


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
        """Create a pending case (inside the caller's transaction); due after the configured working days.

        ``pending_key`` (one pending case per kind and key) must be what :func:`pending_source` reads back from
        the case, so ``uidp keys rotate-blind-index`` can recompute its digest. IntegrityError when a case of
        the key is pending (the unique column, or while the blind index rotates, its previous digest).
        """
        now = self.rt.clock.now()
        case_id = uuid.uuid4()
        pending = None
        if pending_key:
            if pending_key != PENDING_SOURCES[kind](person_id, notify_phone, details):
                raise ValueError(f"a {kind.value} case's pending key must be what pending_source gives back")
            lookup = self.pii.lookup(f"case:{kind.value}", pending_key)
            if lookup.previous is not None and await ReviewCase.exists(pending_key=lookup.previous):
                raise IntegrityError("a case of this key is pending under the previous blind index")
            pending = lookup.current
        return await ReviewCase.create(
            id=case_id,
            kind=kind,
            status=CaseStatus.PENDING,
            person_id=person_id,
            pending_key=pending,
            submitted_at=now,
            due_at=self.rt.settings.work_calendar().due_after(now, self.rt.settings.review_due_working_days),
            notify_phone_enc=self.pii.seal(f"case:{case_id}:phone", case_id, notify_phone),
            details_enc=self.pii.seal(f"case:{case_id}:details", case_id, json.dumps(details, ensure_ascii=False)),
            summary=summary,
        )

    async def queue(
        self,
        *,
        kind: CaseKind | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Page[ReviewCase]:
        """A page of the pending cases, oldest first (Relay arguments, see ``shared.pagination``)."""
        query = ReviewCase.filter(status=CaseStatus.PENDING)
        if kind is not None:
            query = query.filter(kind=kind)
        return await keyset_page(query, Window(first, after, last, before), at="submitted_at")

    async def get(self, case_id: uuid.UUID) -> ReviewCase | None:
        return await ReviewCase.get_or_none(id=case_id)

    def subject_of(self, case: ReviewCase) -> tuple[str, uuid.UUID] | None:
        """Whom a decision is about: the person, or for an entity appeal the entity named in the details."""
        if case.person_id:
            return (SubjectKind.PERSON, case.person_id)
        entity_id = self.details(case).get("entity_id")
        return (SubjectKind.ENTITY, uuid.UUID(entity_id)) if entity_id else None

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
