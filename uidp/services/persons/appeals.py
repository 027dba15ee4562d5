"""The phone appeal (P9a, manual §1.6.1): "my phone was registered by someone else".

The appellant proves the phone (an APPEAL code), says who they are and proves it (the bank-card four
elements with the appealed phone as the reserved phone, or photos of the certificate for the reviewer), and
sets the password of their account-to-be. The flow only ever creates the appellant's own new account: if the
certificate already has one, the appellant is sent to P8 / P9b / P2 instead, and nothing they chose is
written onto an account they have not proven. On approval (uidp.services.staff.case_effects) the phone leaves its
holder, who is told by an audit event and a notice at the next login.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from uidp.domain.accounts import SubjectKind
from uidp.domain.bank_cards import normalize_card_number
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import normalize_name, normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_bank_card, mask_id_number, mask_name, mask_phone
from uidp.models.person import Person, PersonStatus
from uidp.models.review import CaseKind, ReviewCase
from uidp.models.upload import DocumentKind
from uidp.ports import BankCardQuery
from uidp.runtime import Runtime
from uidp.services.auth.login_identifiers import LoginIdentifiers
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.registration import check_new_password
from uidp.services.shared.audit import Audit
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.uploads import document_field
from uidp.services.staff.appeal_cases import (
    SPENDS_THE_CODE,
    SubmittedCase,
    check_bank_card,
    limit_submits,
    open_case,
)
from uidp.services.staff.review import ReviewCases

# Photos the reviewer compares with the claim when no bank card is given; a supporting document is optional.
PROOF_DOCUMENTS = {DocumentKind.CERTIFICATE_FRONT: "证件正面照片", DocumentKind.CERTIFICATE_BACK: "证件反面照片"}
OPTIONAL_DOCUMENTS = (DocumentKind.SUPPORTING,)


class AppealRoute(StrEnum):
    """Where a phone appellant whose certificate already has an account must go instead."""

    RECOVER_PASSWORD = "RECOVER_PASSWORD"  # P8: the phone is on the appellant's own account
    CERTIFICATE_APPEAL = "CERTIFICATE_APPEAL"  # P9b: the certificate's account has another phone
    ACTIVATE = "ACTIVATE"  # P2: the certificate was pre-provisioned


class IdentityProof(StrEnum):
    BANK_CARD = "BANK_CARD"
    DOCUMENTS = "DOCUMENTS"


_ROUTE_MESSAGES = {
    AppealRoute.RECOVER_PASSWORD: "该手机号已绑定您本人的账号，请直接登录，或通过“找回密码”重新设置密码",
    AppealRoute.CERTIFICATE_APPEAL: (
        "您的证件号码已注册账号，不能通过本申诉新建账号。如该账号绑定的手机号是您本人的，请通过“找回密码”"
        "登录；否则请提交“身份证号被他人手机号注册”申诉"
    ),
    AppealRoute.ACTIVATE: "您的身份信息已由政务系统预置，请先激活账号",
}


@dataclass
class PhoneAppeal:
    phone: str
    sms_code: str
    certificate_type: CertificateType
    contact_name: str
    contact_certificate_number: str
    new_password: str
    new_password_confirmation: str
    card_number: str | None = None  # the bank-card proof; without it, documents are required
    documents: dict[DocumentKind, uuid.UUID] = field(default_factory=dict)


@dataclass(frozen=True)
class LosingAccount:
    """The account that loses the phone if the appeal is approved (as recorded at submission)."""

    id: uuid.UUID
    masked_name: str
    masked_certificate_number: str
    certificate_type: str
    status: str
    level: int


@dataclass(frozen=True)
class PhoneAppealFacts:
    """What a reviewer decides a phone appeal on: the claim, its proof, and who loses the phone.

    The full claimed number is shown (and audited) by ``ReviewCases.claimed_certificate_number``.
    """

    masked_phone: str
    masked_claimed_name: str
    claimed_certificate_type: str
    proof: IdentityProof
    masked_bank_card: str | None
    losing_account: LosingAccount | None


class PhoneAppeals:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.lookup = PersonLookup(rt)
        self.codes = SmsCodes(rt)
        self.audit = Audit(rt)

    async def submit(self, form: PhoneAppeal, client: ClientInfo) -> SubmittedCase:
        """Check the form, the phone's code, the claim and its proof; open a PHONE_APPEAL case.

        Nothing about accounts is told before the code is proven. After it: a free phone answers
        APPEAL_NOT_APPLICABLE; a certificate that has an account answers CERTIFICATE_HAS_ACCOUNT with the
        route to take (and spends the code, so each such answer costs a fresh SMS).
        """
        await limit_submits(self.rt, client)
        phone = normalize_phone(form.phone)
        certificate_type = form.certificate_type
        number = normalize_certificate_number(
            certificate_type, form.contact_certificate_number or "", field="contactCertificateNumber"
        )
        name = normalize_name(form.contact_name or "", "contactName")
        password = check_new_password(
            form.new_password, form.new_password_confirmation, phone=phone, certificate_number=number
        )
        card = normalize_card_number(form.card_number, "cardNumber") if form.card_number else None
        if card is None:
            for kind, label in PROOF_DOCUMENTS.items():
                if not form.documents.get(kind):
                    raise DomainError(
                        ErrorCode.UPLOAD_REQUIRED, f"请填写银行卡号完成身份核验，或上传{label}", document_field(kind)
                    )
        await self.codes.check(SmsPurpose.APPEAL, phone, form.sms_code)
        holder = await self.lookup.by_phone(phone)
        if holder is None:
            raise DomainError(ErrorCode.APPEAL_NOT_APPLICABLE, "该手机号未被注册，您可以直接注册", "phone")
        claimed = await self.lookup.by_certificate(certificate_type, number)
        if claimed is not None:
            await self.codes.consume(SmsPurpose.APPEAL, phone, form.sms_code)
            raise self._redirect(claimed, holder)
        try:
            await LoginIdentifiers(self.pii).check_free(number, field="contactCertificateNumber")
            if card is not None:
                await check_bank_card(self.rt, BankCardQuery(name, certificate_type.value, number, card, phone))
        except DomainError as refused:
            if refused.code in SPENDS_THE_CODE:  # each such answer, and each provider check, costs a fresh SMS
                await self.codes.consume(SmsPurpose.APPEAL, phone, form.sms_code)
            raise
        password_hash = await self.rt.hasher.hash(password)
        documents = (
            {} if card else {k: v for k, v in form.documents.items() if k in (*PROOF_DOCUMENTS, *OPTIONAL_DOCUMENTS)}
        )
        details = {
            "phone": phone,
            "certificate_type": certificate_type.value,
            "certificate_number": number,
            "name": name,
            "password_hash": password_hash,
            "holder_id": str(holder.id),
            "proof": IdentityProof.BANK_CARD if card else IdentityProof.DOCUMENTS,
            "bank_card": mask_bank_card(card) if card else None,
        }
        summary: dict[str, Any] = {
            "phone": mask_phone(phone),
            "appellantName": mask_name(name),
            "appellantCertificateNumber": mask_id_number(number),
            "certificateType": certificate_type.value,
            "proof": details["proof"],
            "losingAccount": self._losing(holder),
        }
        if card:
            summary.update(bankCard=mask_bank_card(card), bankCheck="MATCH")
        else:
            summary["documents"] = {kind.value: str(upload) for kind, upload in documents.items()}
        case = await open_case(
            self.rt,
            CaseKind.PHONE_APPEAL,
            notify_phone=phone,
            details=details,
            summary=summary,
            pending_key=phone,
            person_id=None,
            code=(SmsPurpose.APPEAL, phone, form.sms_code),
            documents=documents,
        )
        await self.audit.record(
            "appeal.submitted",
            subject=(SubjectKind.PERSON, holder.id),
            client=client,
            kind=CaseKind.PHONE_APPEAL.value,
            case_id=str(case.case_id),
            phone=mask_phone(phone),
            proof=details["proof"],
        )
        return case

    def _redirect(self, claimed: Person, holder: Person) -> DomainError:
        if claimed.id == holder.id:
            route = AppealRoute.RECOVER_PASSWORD
        elif claimed.status == PersonStatus.PROVISIONED:
            route = AppealRoute.ACTIVATE
        elif claimed.status == PersonStatus.ACTIVE:
            route = AppealRoute.CERTIFICATE_APPEAL
        else:
            return DomainError(
                ErrorCode.APPEAL_NOT_APPLICABLE,
                "您的证件号码有一件注册申请正在审核中，请等待审核结果",
                "contactCertificateNumber",
            )
        return DomainError(
            ErrorCode.CERTIFICATE_HAS_ACCOUNT, _ROUTE_MESSAGES[route], "contactCertificateNumber", route=route.value
        )

    def _losing(self, holder: Person) -> dict[str, Any]:
        return {
            "id": str(holder.id),
            "maskedName": mask_name(self.pii.open("person.name", holder.id, holder.name_enc)),
            "maskedCertificateNumber": mask_id_number(
                self.pii.open("person.certificate_number", holder.id, holder.certificate_number_enc)
            ),
            "certificateType": holder.certificate_type,
            "status": str(holder.status),
            "level": holder.level,
        }


def phone_appeal_facts(rt: Runtime, case: ReviewCase) -> PhoneAppealFacts | None:
    """The reviewer's view of a PHONE_APPEAL case (None for other kinds); reads the row only."""
    if case.kind != CaseKind.PHONE_APPEAL:
        return None
    details = ReviewCases(rt).details(case)
    losing = case.summary.get("losingAccount")
    return PhoneAppealFacts(
        masked_phone=mask_phone(details["phone"]),
        masked_claimed_name=mask_name(details["name"]),
        claimed_certificate_type=details["certificate_type"],
        proof=IdentityProof(details.get("proof") or IdentityProof.DOCUMENTS),
        masked_bank_card=details.get("bank_card"),
        losing_account=LosingAccount(
            id=uuid.UUID(losing["id"]),
            masked_name=losing["maskedName"],
            masked_certificate_number=losing["maskedCertificateNumber"],
            certificate_type=losing["certificateType"],
            status=losing["status"],
            level=int(losing["level"]),
        )
        if losing
        else None,
    )
