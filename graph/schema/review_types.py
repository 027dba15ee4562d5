"""Types and inputs of appeals (P9a, P9b) and the staff review queue (A1)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.schema.inputs import DocumentsInput
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


@strawberry.input(
    description="P9a: my phone was registered by someone else. Proof of identity: `cardNumber` (bank-card "
    "four elements with `phone` as the bank-reserved phone) or `documents` (certificate front and back)."
)
class SubmitPhoneAppealInput:
    phone: str = strawberry.field(description="The phone someone else registered; the appeal's SMS code goes there.")
    sms_code: str = strawberry.field(description="Code of purpose APPEAL sent to `phone`.")
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    contact_name: str = strawberry.field(description="The contact person's name (联系人姓名).")
    contact_certificate_number: str = strawberry.field(
        description="The contact person's resident ID number (身份证号码)."
    )
    new_password: str = strawberry.field(
        description="The new login password (the password rules of registrationRules apply)."
    )
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")
    card_number: str | None = strawberry.field(default=None, description="A class-I card in the appellant's name.")
    documents: DocumentsInput | None = strawberry.field(
        default=None, description="Without `cardNumber`: upload ids of certificateFront and certificateBack."
    )


@strawberry.input(description="P9b step 1: my ID number was registered with someone else's phone.")
class StartCertificateAppealInput:
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(
        description="The certificate (证件) number as typed; spaces and full-width characters are folded."
    )
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")


@strawberry.input(description="P9b steps 2-3: bank-card check with the new phone, then the new phone's code.")
class SubmitCertificateAppealInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    card_number: str = strawberry.field(description="A bank card number (13-19 digits) in the appellant's name.")
    new_phone: str = strawberry.field(description="The new mobile phone number.")
    sms_code: str = strawberry.field(description="Code of purpose APPEAL sent to `newPhone`.")
    new_password: str = strawberry.field(description="The password the account will have after approval.")
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")


@strawberry.input(
    description="After a phone appeal took my phone: bind a new one (code CHANGE_PHONE_NEW and my password)."
)
class BindNewPhoneInput:
    new_phone: str = strawberry.field(description="The new mobile phone number.")
    sms_code: str = strawberry.field(description="The SMS code sent to `newPhone`.")
    current_password: str = strawberry.field(description="The account's current login password.")


@strawberry.input(description="A1: approve, or reject with a reason the applicant receives by SMS.")
class DecideReviewCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The review case's id.")
    approve: bool = strawberry.field(
        description="True to approve the case, false to reject it (a rejection needs `reason`)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why the case is rejected (up to 500 characters); the applicant receives it by SMS."
    )


@strawberry.type(description="The appeal waits for staff; the decision arrives by SMS.")
class AppealSubmitted:
    case_id: strawberry.ID
    due_at: datetime


@strawberry.type(
    description="P9b: continue with the bank card, the new phone and the new password. Every well-formed "
    "number gets a ticket; whether it has an account is told after the new phone's code."
)
class CertificateAppealStarted:
    ticket: str
    masked_certificate_number: str


@strawberry.type(description="A new phone is bound to the account.")
class PhoneBound:
    ok: bool = True


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
