"""The certificate appeal (P9b, manual §1.6.2): "my ID number was registered with someone else's phone".

Step 1: certificate number + captcha -> a ticket and the masked number; known and unknown numbers answer
alike (a decoy ticket for an unknown one). Step 2: a bank-card check of the account's own identity with the
appellant's new phone as the reserved phone, the new phone's APPEAL code, and the appellant's new password
(hashed here into the case's encrypted details). On approval (uidp.services.staff.case_effects) the account gets
the new phone and the new password; the impostor's password, third-party bindings and sessions die.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from uidp.domain.accounts import SubjectKind
from uidp.domain.bank_cards import normalize_card_number
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_bank_card, mask_id_number, mask_name, mask_phone
from uidp.models.person import Person, PersonStatus
from uidp.models.review import CaseKind
from uidp.ports import BankCardQuery
from uidp.runtime import Runtime
from uidp.services.persons.registration import check_new_password
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.step_tickets import StepTickets
from uidp.services.staff.appeal_cases import (
    SPENDS_THE_CODE,
    SubmittedCase,
    check_bank_card,
    limit_submits,
    open_case,
)

TICKET_TTL = 15 * 60
STARTS_PER_HOUR = 20  # per client address, on top of the captcha
TICKET_INVALID = "申诉已失效，请从第一步重新开始"


@dataclass(frozen=True)
class CertificateAppealTicket:
    ticket: str
    masked_certificate_number: str


@dataclass
class CertificateAppeal:
    ticket: str
    card_number: str
    new_phone: str
    sms_code: str
    new_password: str
    new_password_confirmation: str


class CertificateAppeals:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.codes = SmsCodes(rt)
        self.audit = Audit(rt)
        self.tickets = StepTickets(rt, "certificate-appeal", seconds=TICKET_TTL, invalid=TICKET_INVALID)

    async def start(
        self,
        certificate_type: CertificateType,
        raw_number: str,
        captcha_id: str,
        captcha_answer: str,
        client: ClientInfo,
    ) -> CertificateAppealTicket:
        """Step 1: the certificate number and a captcha; every well-formed number gets a ticket."""
        await limit_per_client(self.rt, "appeal-start", client, per_hour=STARTS_PER_HOUR)
        number = normalize_certificate_number(certificate_type, raw_number)
        await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
        held = self.pii.certificate_lookup(certificate_type.value, number)
        person = await Person.get_or_none(**held.on("certificate_index"))
        issued = await self.tickets.issue(
            {"person": str(person.id) if person and person.status == PersonStatus.ACTIVE else ""},
            secrets={"number": number},  # the password rules need it, known or not; sealed for this ticket alone
        )
        return CertificateAppealTicket(issued.token, mask_id_number(number))

    async def submit(self, form: CertificateAppeal, client: ClientInfo) -> SubmittedCase:
        """Step 2: format rules, then the new phone's code; only then anything about accounts.

        After the code: a taken new phone answers PHONE_TAKEN, a certificate without an active account
        APPEAL_NOT_APPLICABLE (spending the code), then the bank card must match the account's identity.
        """
        await limit_submits(self.rt, client)
        record = (await self.tickets.read(form.ticket)).data
        card = normalize_card_number(form.card_number)
        phone = normalize_phone(form.new_phone, "newPhone")
        person = await Person.get_or_none(id=uuid.UUID(record["person"])) if record["person"] else None
        number = record["number"]
        password = check_new_password(
            form.new_password, form.new_password_confirmation, phone=phone, certificate_number=number
        )
        await self.codes.check(SmsPurpose.APPEAL, phone, form.sms_code)
        holder = await Person.get_or_none(**self.pii.phone_lookup(phone).on("phone_index"))
        if holder is not None:
            raise DomainError(
                ErrorCode.PHONE_TAKEN, "新手机号已被注册，请更换手机号", "newPhone", appeal="PHONE_TAKEN_BY_OTHER"
            )
        if person is None or person.status != PersonStatus.ACTIVE:
            await self.codes.consume(SmsPurpose.APPEAL, phone, form.sms_code)
            raise DomainError(ErrorCode.APPEAL_NOT_APPLICABLE, "该证件号码未注册账号，您可以直接注册", "ticket")
        name = self.pii.open("person.name", person.id, person.name_enc)
        try:
            await check_bank_card(self.rt, BankCardQuery(name, person.certificate_type, number, card, phone))
        except DomainError as refused:
            if refused.code in SPENDS_THE_CODE:  # each provider check costs a fresh SMS
                await self.codes.consume(SmsPurpose.APPEAL, phone, form.sms_code)
            raise
        password_hash = await self.rt.hasher.hash(password)
        case = await open_case(
            self.rt,
            CaseKind.CERTIFICATE_APPEAL,
            notify_phone=phone,
            details={"new_phone": phone, "password_hash": password_hash},
            summary={
                "name": mask_name(name),
                "certificateNumber": mask_id_number(number),
                "newPhone": mask_phone(phone),
                "bankCard": mask_bank_card(card),
                "bankCheck": "MATCH",
                "proof": "BANK_CARD",
            },
            pending_key=str(person.id),
            person_id=person.id,
            code=(SmsPurpose.APPEAL, phone, form.sms_code),
            spend_ticket=lambda: self.tickets.spend(form.ticket),
        )
        await self.audit.record(
            "appeal.submitted",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            kind=CaseKind.CERTIFICATE_APPEAL.value,
            case_id=str(case.case_id),
            new_phone=mask_phone(phone),
        )
        return case
