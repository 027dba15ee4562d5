"""Persons' appeals (P9a, P9b): checked here, decided by staff in the review queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.bank_cards import MismatchReason, normalize_card_number
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import normalize_name, normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_bank_card, mask_id_number, mask_name, mask_phone
from uidp.models.person import Person, PersonStatus
from uidp.models.review import CaseKind, ReviewCase
from uidp.ports import BankCardQuery
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.audit import Audit
from uidp.services.captcha import CaptchaService
from uidp.services.person_lookup import PersonLookup
from uidp.services.pii import Pii
from uidp.services.principal import ClientInfo
from uidp.services.registration import check_password_and_terms
from uidp.services.review import ReviewCases
from uidp.services.sms import SmsCodes, SmsPurpose

TICKET_TTL = 15 * 60


@dataclass
class PhoneAppeal:
    phone: str
    sms_code: str
    certificate_type: CertificateType
    contact_name: str
    contact_certificate_number: str
    new_password: str
    new_password_confirmation: str


@dataclass(frozen=True)
class SubmittedCase:
    case_id: uuid.UUID
    due_at: datetime


@dataclass(frozen=True)
class CertificateAppealTicket:
    ticket: str
    masked_name: str
    masked_certificate_number: str


class AppealService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.lookup = PersonLookup(rt)
        self.codes = SmsCodes(rt)
        self.audit = Audit(rt)

    async def submit_phone_appeal(self, form: PhoneAppeal, client: ClientInfo) -> SubmittedCase:
        """P9a: the appellant proves the phone (SMS), says who they are, and sets the password they will use."""
        phone = normalize_phone(form.phone)
        number = normalize_certificate_number(
            form.certificate_type, form.contact_certificate_number, field="contactCertificateNumber"
        )
        name = normalize_name(form.contact_name, "contactName")
        password = check_password_and_terms(
            form.new_password, form.new_password_confirmation, True, phone=phone, certificate_number=number
        )
        holder = await self.lookup.by_phone(phone)
        if holder is None:
            raise DomainError(ErrorCode.APPEAL_NOT_APPLICABLE, "该手机号未被注册，您可以直接注册", "phone")
        if holder.certificate_index == self.pii.certificate_index(form.certificate_type.value, number):
            raise DomainError(
                ErrorCode.APPEAL_NOT_APPLICABLE, "该手机号已绑定您本人的账号，请直接登录或找回密码", "phone"
            )
        await self.codes.check(SmsPurpose.APPEAL, phone, form.sms_code)
        password_hash = await self.rt.hasher.hash(password)
        details = {
            "phone": phone,
            "certificate_type": form.certificate_type.value,
            "certificate_number": number,
            "name": name,
            "password_hash": password_hash,
        }
        summary = {
            "phone": mask_phone(phone),
            "appellantName": mask_name(name),
            "appellantCertificateNumber": mask_id_number(number),
            "certificateType": form.certificate_type.value,
        }
        case = await self._open(
            CaseKind.PHONE_APPEAL,
            phone,
            details,
            summary,
            pending_key=phone,
            person_id=None,
            consume=(SmsPurpose.APPEAL, phone, form.sms_code),
        )
        await self.audit.record(
            "appeal.submitted",
            subject=("person", holder.id),
            client=client,
            kind="PHONE_APPEAL",
            case_id=str(case.case_id),
            phone=mask_phone(phone),
        )
        return case

    async def start_certificate_appeal(
        self, certificate_type: CertificateType, raw_number: str, captcha_id: str, captcha_answer: str
    ) -> CertificateAppealTicket:
        """P9b step 1: the ID number and a captcha; the account must exist."""
        number = normalize_certificate_number(certificate_type, raw_number)
        await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
        person = await self.lookup.by_certificate(certificate_type, number)
        if person is None or person.status != PersonStatus.ACTIVE:
            raise DomainError(ErrorCode.APPEAL_NOT_APPLICABLE, "该证件号码未注册，您可以直接注册", "certificateNumber")
        ticket = new_token()
        await self.rt.store.set(f"appeal-ticket:{token_digest(ticket)}", str(person.id), TICKET_TTL)
        return CertificateAppealTicket(
            ticket, mask_name(self.pii.open("person.name", person.name_enc)), mask_id_number(number)
        )

    async def submit_certificate_appeal(
        self, ticket: str, card_number: str, new_phone: str, sms_code: str, client: ClientInfo
    ) -> SubmittedCase:
        """P9b steps 2-3: a bank-card check of the account's identity with the new phone, then the new phone's code."""
        person_id = await self.rt.store.get(f"appeal-ticket:{token_digest(ticket or '-')}")
        if person_id is None:
            raise DomainError(ErrorCode.STEP_INVALID, "申诉已失效，请从第一步重新开始", "ticket")
        person = await self.lookup.by_id(uuid.UUID(person_id))
        if person is None:
            raise DomainError(ErrorCode.STEP_INVALID, "申诉已失效，请从第一步重新开始", "ticket")
        card = normalize_card_number(card_number)
        phone = normalize_phone(new_phone, "newPhone")
        holder = await self.lookup.by_phone(phone)
        if holder is not None:
            raise DomainError(
                ErrorCode.PHONE_TAKEN, "新手机号已被注册，请更换手机号", "newPhone", appeal="PHONE_TAKEN_BY_OTHER"
            )
        await self.codes.check(SmsPurpose.APPEAL, phone, sms_code)
        name = self.pii.open("person.name", person.name_enc)
        number = self.pii.open("person.certificate_number", person.certificate_number_enc)
        await self._check_bank_card(BankCardQuery(name, person.certificate_type, number, card, phone))
        case = await self._open(
            CaseKind.CERTIFICATE_APPEAL,
            phone,
            {"new_phone": phone},
            {
                "name": mask_name(name),
                "certificateNumber": mask_id_number(number),
                "newPhone": mask_phone(phone),
                "bankCard": mask_bank_card(card),
                "bankCheck": "MATCH",
            },
            pending_key=str(person.id),
            person_id=person.id,
            consume=(SmsPurpose.APPEAL, phone, sms_code),
        )
        await self.rt.store.delete(f"appeal-ticket:{token_digest(ticket)}")
        await self.audit.record(
            "appeal.submitted",
            subject=("person", person.id),
            client=client,
            kind="CERTIFICATE_APPEAL",
            case_id=str(case.case_id),
            new_phone=mask_phone(phone),
        )
        return case

    async def bind_new_phone(self, person_id: uuid.UUID, new_phone: str, sms_code: str, client: ClientInfo) -> None:
        """After a phone appeal took the phone away, the old holder binds a new one (code to the new phone)."""
        person = await self.lookup.by_id(person_id)
        if person is None:
            raise DomainError(ErrorCode.NOT_FOUND, "账号不存在", None)
        if person.phone_enc is not None:
            raise DomainError(ErrorCode.STEP_INVALID, "您的账号已绑定手机号，如需更换请使用“更换手机号”", "newPhone")
        phone = normalize_phone(new_phone, "newPhone")
        if await self.lookup.by_phone(phone) is not None:
            raise DomainError(ErrorCode.PHONE_TAKEN, "该手机号已被注册", "newPhone", appeal="PHONE_TAKEN_BY_OTHER")
        await self.codes.check(SmsPurpose.CHANGE_PHONE_NEW, phone, sms_code, field="smsCode")
        try:
            async with in_transaction():
                changed = await Person.filter(id=person.id, phone_index__isnull=True).update(
                    phone_index=self.pii.phone_index(phone),
                    phone_enc=self.pii.seal("person.phone", phone),
                    updated_at=self.rt.clock.now(),
                )
                if changed != 1:
                    raise DomainError(ErrorCode.STEP_INVALID, "您的账号已绑定手机号", "newPhone")
                await self.codes.consume(SmsPurpose.CHANGE_PHONE_NEW, phone, sms_code)
        except IntegrityError:
            raise DomainError(ErrorCode.PHONE_TAKEN, "该手机号已被注册", "newPhone") from None
        await self.audit.record(
            "person.phone_bound", subject=("person", person.id), client=client, phone=mask_phone(phone)
        )

    async def _check_bank_card(self, query: BankCardQuery) -> None:
        verifier = self.rt.plugins.verifiers.get("bank_card")
        if verifier is None:
            raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "银行卡认证服务暂不可用，请稍后再试", "cardNumber")
        try:
            result = await verifier.verify(query)
            if result.status == "PENDING" and result.reference:
                result = await verifier.poll(result.reference)
        except Exception:
            raise DomainError(
                ErrorCode.VERIFIER_UNAVAILABLE, "银行卡认证服务暂不可用，请稍后再试", "cardNumber"
            ) from None
        if result.status == "PENDING":
            raise DomainError(ErrorCode.BANK_CHECK_PENDING, "银行卡认证中，请稍后再提交申诉", "cardNumber")
        if result.status != "MATCH":
            message = MismatchReason.of(result.reason).message
            raise DomainError(ErrorCode.BANK_CHECK_FAILED, message, "cardNumber", reason=result.reason)

    async def _open(
        self,
        kind: CaseKind,
        notify_phone: str,
        details: dict,
        summary: dict,
        *,
        pending_key: str,
        person_id: uuid.UUID | None,
        consume: tuple[SmsPurpose, str, str],
    ) -> SubmittedCase:
        try:
            async with in_transaction():
                case: ReviewCase = await ReviewCases(self.rt).open(
                    kind,
                    notify_phone=notify_phone,
                    details=details,
                    summary=summary,
                    person_id=person_id,
                    pending_key=pending_key,
                )
                await self.codes.consume(*consume)
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "已有一件同样的申诉正在审核中，请等待短信通知", None) from None
        return SubmittedCase(case.id, case.due_at)
