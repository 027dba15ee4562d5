"""Types of the staff review queue (A1): cases, their documents and the facts a reviewer weighs."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.schema.pagination import PageInfo
from graph.schema.types import CertificateType
from uidp.domain.certificates import CertificateType as DomainCertificateType
from uidp.models.review import CaseKind as DomainCaseKind
from uidp.models.review import CaseStatus as DomainCaseStatus
from uidp.models.review import ReviewCase as ReviewCaseModel
from uidp.services.persons.appeals import IdentityProof as DomainIdentityProof
from uidp.services.persons.appeals import PhoneAppealFacts as DomainPhoneAppealFacts
from uidp.services.persons.appeals import phone_appeal_facts
from uidp.services.staff.review import KIND_LABELS

CaseKind = strawberry.enum(
    DomainCaseKind, name="CaseKind", description="What a review case is about: a manual registration or an appeal."
)
CaseStatus = strawberry.enum(
    DomainCaseStatus, name="CaseStatus", description="Where a review case stands: pending, approved or rejected."
)


@strawberry.type(description="A document attached to a case; download it at `url` with a staff session.")
class CaseDocument:
    kind: str
    url: str


IdentityProof = strawberry.enum(
    DomainIdentityProof, name="IdentityProof", description="How a phone appellant proved who they are."
)


@strawberry.type(description="The account that loses its phone if a phone appeal is approved (at submission).")
class LosingAccount:
    person_id: strawberry.ID
    masked_name: str
    masked_certificate_number: str
    certificate_type: str
    status: str
    level: int


@strawberry.type(
    description="P9a for the reviewer: the appellant's claim (the full number is `ReviewCase."
    "claimedCertificateNumber`), how it was proven, and which account loses the phone."
)
class PhoneAppealFacts:
    masked_phone: str
    masked_claimed_name: str
    claimed_certificate_type: CertificateType
    proof: IdentityProof
    masked_bank_card: str | None
    losing_account: LosingAccount | None

    @classmethod
    def of(cls, facts: DomainPhoneAppealFacts) -> PhoneAppealFacts:
        losing = facts.losing_account
        return cls(
            masked_phone=facts.masked_phone,
            masked_claimed_name=facts.masked_claimed_name,
            claimed_certificate_type=DomainCertificateType(facts.claimed_certificate_type),
            proof=facts.proof,
            masked_bank_card=facts.masked_bank_card,
            losing_account=LosingAccount(
                person_id=strawberry.ID(str(losing.id)),
                masked_name=losing.masked_name,
                masked_certificate_number=losing.masked_certificate_number,
                certificate_type=losing.certificate_type,
                status=losing.status,
                level=losing.level,
            )
            if losing
            else None,
        )


@strawberry.type(
    description="A case in the staff review queue. Values are masked but `claimedCertificateNumber`; "
    "passwords never appear."
)
class ReviewCase:
    model: strawberry.Private[ReviewCaseModel]
    now: strawberry.Private[datetime]
    claimed_certificate_number: str | None = strawberry.field(
        default=None,
        description="The full certificate number the case claims: only in `reviewCase` (one case, being decided), "
        "and each reading is audited. Null in the queue and in decision results.",
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def kind(self) -> CaseKind:
        return DomainCaseKind(self.model.kind)

    @strawberry.field
    def kind_label(self) -> str:
        return KIND_LABELS[DomainCaseKind(self.model.kind)]

    @strawberry.field
    def status(self) -> CaseStatus:
        return DomainCaseStatus(self.model.status)

    @strawberry.field
    def submitted_at(self) -> datetime:
        return self.model.submitted_at

    @strawberry.field
    def due_at(self) -> datetime:
        return self.model.due_at

    @strawberry.field(description="Pending past its due time.")
    def overdue(self) -> bool:
        return self.model.status == DomainCaseStatus.PENDING and self.now > self.model.due_at

    @strawberry.field(description="Masked facts for the reviewer (names, numbers, phones).")
    def summary(self) -> JSON:
        return {k: v for k, v in self.model.summary.items() if k != "documents"}

    @strawberry.field
    def documents(self) -> list[CaseDocument]:
        found = self.model.summary.get("documents", {})
        return [CaseDocument(kind=kind, url=f"/staff/documents/{upload_id}") for kind, upload_id in found.items()]

    @strawberry.field(description="PHONE_APPEAL only: the claim, its proof and the account losing the phone.")
    def phone_appeal(self, info: strawberry.Info) -> PhoneAppealFacts | None:
        facts = phone_appeal_facts(info.context.rt, self.model)
        return PhoneAppealFacts.of(facts) if facts else None

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.model.decided_at

    @strawberry.field
    def decision_reason(self) -> str | None:
        return self.model.decision_reason


@strawberry.type(description="One review case in a page of the queue, with its cursor.")
class ReviewCaseEdge:
    cursor: str
    node: ReviewCase


@strawberry.type(description="Pending cases, oldest first.")
class ReviewCaseConnection:
    edges: list[ReviewCaseEdge]
    page_info: PageInfo


@strawberry.type(description="The decision is recorded and its effects applied.")
class ReviewCaseDecided:
    case: ReviewCase
