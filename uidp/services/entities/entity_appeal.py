"""The entity appeal (E10, manual §2.7.1): checked here, decided by staff in the review queue (A1).

Step 1: the credit code shows the masked entity and gives a short-lived ticket. Step 2: uploaded documents
(business licence, letter of authorisation, the new contact's ID card front and back), the new contact (name,
ID number, phone with an SMS code of purpose ENTITY_APPEAL), the captcha and the new password twice. A review
case (ENTITY_APPEAL) is opened, due one working day later; one pending case per entity. On approval
(uidp.services.staff.case_effects) the contact and the password are replaced and every session of the entity ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import normalize_name, normalize_phone
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_credit_code, mask_id_number, mask_name, mask_phone
from uidp.models.entity import Entity, EntityStatus
from uidp.models.review import CaseKind
from uidp.models.upload import DocumentKind
from uidp.runtime import Runtime
from uidp.services.entities.entities import EntityLookup, mask_entity_name
from uidp.services.entities.entity_records import open_entity
from uidp.services.persons.registration import check_new_password
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.step_tickets import StepTickets
from uidp.services.shared.uploads import Uploads, document_field
from uidp.services.staff.review import ReviewCases

TICKET_SECONDS = 30 * 60  # the documents take a while to photograph
TICKET_INVALID = "申诉已失效，请从第一步重新开始"
STARTS_PER_HOUR = 20  # per client address
SUBMITS_PER_HOUR = 10  # per client address
REQUIRED_DOCUMENTS: dict[DocumentKind, str] = {
    DocumentKind.BUSINESS_LICENCE: "营业执照",
    DocumentKind.AUTHORISATION_LETTER: "授权委托书",
    DocumentKind.CERTIFICATE_FRONT: "联系人身份证人像面",
    DocumentKind.CERTIFICATE_BACK: "联系人身份证国徽面",
}


@dataclass(frozen=True)
class EntityAppealStarted:
    ticket: str
    expires_at: datetime
    masked_entity_name: str
    masked_credit_code: str


@dataclass
class EntityAppeal:
    ticket: str
    contact_name: str
    contact_certificate_number: str
    contact_phone: str
    sms_code: str
    captcha_id: str
    captcha_answer: str
    new_password: str
    new_password_confirmation: str
    documents: dict[DocumentKind, uuid.UUID] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmittedEntityAppeal:
    case_id: uuid.UUID
    due_at: datetime


class EntityAppeals:
    """E10's two steps. ``ticket_seconds`` may be shortened in tests."""

    def __init__(self, rt: Runtime, *, ticket_seconds: int = TICKET_SECONDS) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.codes = SmsCodes(rt)
        self.audit = Audit(rt)
        self.ticket_seconds = ticket_seconds
        self.tickets = StepTickets(rt, "entity-appeal", seconds=ticket_seconds, invalid=TICKET_INVALID)

    async def start(self, credit_code: str, client: ClientInfo) -> EntityAppealStarted:
        """Step 1: the credit code must name a registered entity; answers its masked name and a ticket."""
        code = normalize_credit_code(credit_code)
        await limit_per_client(self.rt, "entity-appeal-start", client, per_hour=STARTS_PER_HOUR)
        entity = await EntityLookup(self.rt).by_credit_code(code)
        if entity is None or entity.status != EntityStatus.ACTIVE:
            raise DomainError(
                ErrorCode.APPEAL_NOT_APPLICABLE, "该统一社会信用代码未注册法人账号，您可以直接注册", "creditCode"
            )
        issued = await self.tickets.issue({"entity": str(entity.id)})
        return EntityAppealStarted(
            ticket=issued.token,
            expires_at=issued.expires_at,
            masked_entity_name=mask_entity_name(open_entity(self.pii, entity).name),
            masked_credit_code=mask_credit_code(code),
        )

    async def submit(self, form: EntityAppeal, client: ClientInfo) -> SubmittedEntityAppeal:
        """Step 2: documents, new contact, SMS code, captcha, new password -> a pending ENTITY_APPEAL case.

        Errors in the page's order: STEP_INVALID (ticket), UPLOAD_REQUIRED, format rules, WEAK_PASSWORD /
        PASSWORD_MISMATCH, SMS_CODE_INVALID, CAPTCHA_INVALID, UPLOAD_NOT_FOUND (unknown or used upload),
        ALREADY_EXISTS (a pending appeal of this entity). Nothing is stored on any of them.
        """
        await limit_per_client(self.rt, "entity-appeal", client, per_hour=SUBMITS_PER_HOUR)
        ticket = await self.tickets.read(form.ticket)
        entity = await Entity.get_or_none(id=uuid.UUID(ticket.data["entity"]))
        if entity is None or entity.status != EntityStatus.ACTIVE:
            raise DomainError(ErrorCode.STEP_INVALID, TICKET_INVALID, "ticket")
        for kind, label in REQUIRED_DOCUMENTS.items():
            if not form.documents.get(kind):
                raise DomainError(ErrorCode.UPLOAD_REQUIRED, f"请上传{label}", document_field(kind))
        name = normalize_name(form.contact_name or "", "contactName")
        number = normalize_certificate_number(
            CertificateType.RESIDENT_ID, form.contact_certificate_number or "", field="contactCertificateNumber"
        )
        phone = normalize_phone(form.contact_phone or "", "contactPhone")
        plain = open_entity(self.pii, entity)
        password = check_new_password(
            form.new_password, form.new_password_confirmation, phone=phone, certificate_number=plain.credit_code
        )
        await self.codes.check(SmsPurpose.ENTITY_APPEAL, phone, form.sms_code)
        await CaptchaService(self.rt).verify(form.captcha_id, form.captcha_answer)
        password_hash = await self.rt.hasher.hash(password)
        documents = {kind: form.documents[kind] for kind in REQUIRED_DOCUMENTS}
        details = {
            "entity_id": str(entity.id),
            "contact_name": name,
            "contact_certificate_number": number,
            "contact_phone": phone,
            "password_hash": password_hash,
        }
        summary = {
            "entityId": str(entity.id),
            "entityName": mask_entity_name(plain.name),
            "creditCode": mask_credit_code(plain.credit_code),
            "oldContactPhone": mask_phone(plain.contact_phone),
            "contactName": mask_name(name),
            "contactCertificateNumber": mask_id_number(number),
            "contactPhone": mask_phone(phone),
            "documents": {kind.value: str(upload) for kind, upload in documents.items()},
        }
        try:
            async with in_transaction():
                await Uploads(self.rt).claim(documents, owner=(SubjectKind.ENTITY, entity.id))
                case = await ReviewCases(self.rt).open(
                    CaseKind.ENTITY_APPEAL,
                    notify_phone=phone,
                    details=details,
                    summary=summary,
                    pending_key=str(entity.id),
                )
                await self.codes.consume(SmsPurpose.ENTITY_APPEAL, phone, form.sms_code)
                await self.tickets.spend(form.ticket)  # last: one ticket opens one case
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "该企业已有一件申诉正在审核中，请等待短信通知", None) from None
        await self.audit.record(
            "appeal.submitted",
            subject=(SubjectKind.ENTITY, entity.id),
            client=client,
            kind=CaseKind.ENTITY_APPEAL.value,
            case_id=str(case.id),
            contact_phone=mask_phone(phone),
        )
        return SubmittedEntityAppeal(case.id, case.due_at)
