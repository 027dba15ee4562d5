"""What deciding a review case does to accounts, per kind (run inside the decision's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, parse_resident_id
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_phone
from uidp.models.bank_check import BankCheck
from uidp.models.binding import ExternalBinding
from uidp.models.ca_binding import CertificateBinding
from uidp.models.credential import Credential
from uidp.models.entity import Entity
from uidp.models.notice import NoticeKind
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.models.review import CaseKind, ReviewCase
from uidp.models.upload import Upload
from uidp.runtime import Runtime
from uidp.services.auth.login_identifiers import LoginIdentifiers
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.sessions import Sessions
from uidp.services.entities.entity_records import seal_entity_fields
from uidp.services.oidc.security_events import owe_level_changed
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.notices import Notices
from uidp.services.shared.pii import Pii
from uidp.services.staff.appeal_cases import CASE_OWNER

# What approving or rejecting a case does, by kind: (rt, case, details) inside the decision's transaction.
Effect = Callable[[Runtime, ReviewCase, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class CaseEffects:
    approve: Effect
    reject: Effect
    approved_text: str
    rejected_text: str  # "{reason}" is replaced by the reviewer's reason


async def _nothing(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    return None


async def _activate_manual_registration(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    now = rt.clock.now()
    login_index = await _free_login_index(Pii(rt), case.person_id)
    changed = await Person.filter(id=case.person_id, status=PersonStatus.PENDING_REVIEW).update(
        status=PersonStatus.ACTIVE, activated_at=now, updated_at=now, login_index=login_index
    )
    if changed != 1:
        raise DomainError(ErrorCode.NOT_FOUND, "待审核的注册已不存在", "caseId")


async def _free_login_index(pii: Pii, person_id: uuid.UUID | None) -> str | None:
    """The claimed number's login index, refused when another account logs in with that number."""
    person = await Person.get_or_none(id=person_id)
    if person is None:
        return None
    number = pii.open("person.certificate_number", person.id, person.certificate_number_enc)
    await LoginIdentifiers(pii).check_free(number, holder=person.id, field="caseId")
    return pii.login_index(number)


async def _drop_manual_registration(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    """A refused registration leaves nothing behind, so the person can register again with better documents."""
    person_id = case.person_id
    await Upload.filter(owner_kind=SubjectKind.PERSON, owner_id=person_id).delete()
    await Credential.filter(subject_kind=SubjectKind.PERSON, subject_id=person_id).delete()
    await Person.filter(id=person_id, status=PersonStatus.PENDING_REVIEW).delete()


async def _move_phone_to_appellant(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    """P9a: a new account of the appellant gets the phone; its holder loses it and is told.

    Never touches an account of the appellant's certificate: if one appeared since submission, approval is
    refused and the reviewer rejects (the appellant then recovers it, P8, or appeals for it, P9b).
    """
    pii, now = Pii(rt), rt.clock.now()
    phone = details["phone"]
    certificate = pii.certificate_lookup(details["certificate_type"], details["certificate_number"])
    if await Person.exists(**certificate.on("certificate_index")):
        raise DomainError(
            ErrorCode.CERTIFICATE_TAKEN, "申诉人的证件号码已有账号，不能据此新建账号，请驳回并告知申请人", "caseId"
        )
    holder = await Person.get_or_none(**pii.phone_lookup(phone).on("phone_index"))
    if holder is not None and str(holder.id) != details.get("holder_id"):
        raise DomainError(ErrorCode.STEP_INVALID, "该手机号的持有账号已变化，请驳回后由申请人重新申诉", "caseId")
    if holder is not None:
        await Person.filter(id=holder.id).update(phone_index=None, phone_enc=None, updated_at=now)
    await LoginIdentifiers(pii).check_free(details["certificate_number"], field="caseId")
    appellant_id = uuid.uuid4()
    gender = None
    if details["certificate_type"] == CertificateType.RESIDENT_ID.value:
        gender = parse_resident_id(details["certificate_number"], today=now.date()).gender.value
    try:
        async with in_transaction():
            await Person.create(
                id=appellant_id,
                status=PersonStatus.ACTIVE,
                source=PersonSource.REGISTERED,
                **seal_person_fields(
                    pii,
                    appellant_id,
                    certificate_type=details["certificate_type"],
                    certificate_number=details["certificate_number"],
                    name=details["name"],
                    phone=phone,
                ),
                gender=gender,
                level=1,
                created_at=now,
                updated_at=now,
                activated_at=now,
            )
    except IntegrityError:  # registered concurrently: the same refusal as above
        raise DomainError(
            ErrorCode.CERTIFICATE_TAKEN, "申诉人的证件号码已有账号，不能据此新建账号，请驳回并告知申请人", "caseId"
        ) from None
    await Passwords(rt).store_hash(SubjectKind.PERSON, appellant_id, details["password_hash"])
    if holder is not None:
        ended = await Sessions(rt).revoke_all(SubjectKind.PERSON, holder.id, "phone_appeal")
        await Notices(rt).post(
            (SubjectKind.PERSON, holder.id), NoticeKind.PHONE_MOVED_BY_APPEAL, phone=mask_phone(phone)
        )
        await Audit(rt).record(
            "person.phone_lost_to_appeal",
            subject=(SubjectKind.PERSON, holder.id),
            case_id=str(case.id),
            phone=mask_phone(phone),
            sessions_ended=ended,
        )
    await Upload.filter(owner_kind=CASE_OWNER, owner_id=case.id).update(
        owner_kind=SubjectKind.PERSON, owner_id=appellant_id
    )
    case.person_id = appellant_id
    await ReviewCase.filter(id=case.id).update(person_id=appellant_id)
    await Audit(rt).record(
        "person.registered_by_appeal",
        subject=(SubjectKind.PERSON, appellant_id),
        case_id=str(case.id),
        phone=mask_phone(phone),
    )


async def _drop_appeal_documents(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    """A refused phone appeal made no account: its photos are deleted (the case keeps masked values)."""
    await Upload.filter(owner_kind=CASE_OWNER, owner_id=case.id).delete()


async def _replace_account_phone(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    """P9b: the account gets the appellant's phone and password; the impostor's ways in all end.

    The impostor's password is replaced, their third-party and CA bindings and bank checks are deleted, the
    level earned under their control falls back to 初级, every session ends and the login lock is cleared.
    """
    pii, now = Pii(rt), rt.clock.now()
    person_id = case.person_id
    phone = details["new_phone"]
    holder = await Person.get_or_none(**pii.phone_lookup(phone).on("phone_index"))
    if holder is not None and holder.id != person_id:
        raise DomainError(ErrorCode.PHONE_TAKEN, "申诉的新手机号已被其他账号使用，请驳回并告知申请人", "caseId")
    before = await Person.get_or_none(id=person_id).only("id", "level")
    changed = await Person.filter(id=person_id).update(
        **seal_person_fields(pii, person_id, phone=phone),
        level=1,
        updated_at=now,
    )
    if changed != 1 or before is None:
        raise DomainError(ErrorCode.NOT_FOUND, "申诉的账号已不存在", "caseId")
    await owe_level_changed(rt, (SubjectKind.PERSON.value, person_id), before.level, 1)  # woken after the decision
    await Passwords(rt).store_hash(SubjectKind.PERSON, person_id, details["password_hash"])
    bindings = await ExternalBinding.filter(subject_kind=SubjectKind.PERSON, subject_id=person_id).delete()
    certificates = await CertificateBinding.filter(subject_kind=SubjectKind.PERSON, subject_id=person_id).delete()
    await BankCheck.filter(person_id=person_id).delete()
    ended = await Sessions(rt).revoke_all(SubjectKind.PERSON, person_id, "certificate_appeal")
    await LoginThrottle(rt).unlock(f"person:{person_id}")
    await Audit(rt).record(
        "person.appeal_applied",
        subject=(SubjectKind.PERSON, person_id),
        case_id=str(case.id),
        new_phone=mask_phone(phone),
        sessions_ended=ended,
        bindings_removed=bindings,
        certificates_removed=certificates,
    )


async def _replace_entity_contact(rt: Runtime, case: ReviewCase, details: dict[str, Any]) -> None:
    """E10: the entity's contact and password become the appellant's; every session of the entity ends."""
    entity_id = uuid.UUID(details["entity_id"])
    changed = await Entity.filter(id=entity_id).update(
        **seal_entity_fields(
            Pii(rt),
            entity_id,
            contact_name=details["contact_name"],
            contact_certificate_number=details["contact_certificate_number"],
            contact_phone=details["contact_phone"],
        ),
        updated_at=rt.clock.now(),
    )
    if changed != 1:
        raise DomainError(ErrorCode.NOT_FOUND, "申诉的法人账号已不存在", "caseId")
    await Passwords(rt).store_hash(SubjectKind.ENTITY, entity_id, details["password_hash"])
    await Sessions(rt).revoke_all(SubjectKind.ENTITY, entity_id, "entity_appeal")
    await LoginThrottle(rt).unlock(f"entity:{entity_id}")
    await Audit(rt).record(
        "entity.appeal_applied",
        subject=(SubjectKind.ENTITY, entity_id),
        case_id=str(case.id),
        contact_phone=mask_phone(details["contact_phone"]),
    )


EFFECTS: dict[CaseKind, CaseEffects] = {
    CaseKind.MANUAL_REGISTRATION: CaseEffects(
        approve=_activate_manual_registration,
        reject=_drop_manual_registration,
        approved_text="您的注册申请已审核通过，现在可以登录。",
        rejected_text="您的注册申请未通过审核，原因：{reason}。请按要求重新注册。",
    ),
    CaseKind.PHONE_APPEAL: CaseEffects(
        approve=_move_phone_to_appellant,
        reject=_drop_appeal_documents,
        approved_text="您的手机号申诉已通过，请使用该手机号和申诉时设置的密码登录。",
        rejected_text="您的手机号申诉未通过，原因：{reason}。",
    ),
    CaseKind.CERTIFICATE_APPEAL: CaseEffects(
        approve=_replace_account_phone,
        reject=_nothing,
        approved_text="您的账号申诉已通过，账号已绑定本手机号，请使用申诉时设置的新密码登录。",
        rejected_text="您的账号申诉未通过，原因：{reason}。",
    ),
    CaseKind.ENTITY_APPEAL: CaseEffects(
        approve=_replace_entity_contact,
        reject=_nothing,
        approved_text="您的法人账号申诉已通过，联系人已更换为您，请使用申诉时设置的新密码登录。",
        rejected_text="您的法人账号申诉未通过，原因：{reason}。",
    ),
}
