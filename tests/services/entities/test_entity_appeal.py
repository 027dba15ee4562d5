"""E10 (entity appeal) at the service level: submitted with documents, decided once in the review queue."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from plugins.sandbox import registry as sandbox
from tests.services.entities.test_entity_changes import CLIENT, ENTITY_PASSWORD, code_for, entity_principal, make_entity
from tests.support import resident_id
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.entity import Entity
from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.models.upload import DocumentKind, Upload
from uidp.services.auth.sessions import Sessions
from uidp.services.entities.entity_appeal import EntityAppeal, EntityAppeals
from uidp.services.entities.entity_records import open_entity
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import Principal
from uidp.services.shared.sandbox import sandbox_messages
from uidp.services.shared.sms import SmsPurpose
from uidp.services.shared.uploads import Uploads
from uidp.services.staff.case_decisions import CaseDecisions

pytestmark = pytest.mark.anyio
REVIEWER = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("reviewer",))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
APPELLANT_PHONE = "13900003333"
APPELLANT_ID = resident_id(seq="161")
NEW_PASSWORD = "Appeal#2026ent"


async def documents(rt) -> dict[DocumentKind, uuid.UUID]:
    kinds = (
        DocumentKind.BUSINESS_LICENCE,
        DocumentKind.AUTHORISATION_LETTER,
        DocumentKind.CERTIFICATE_FRONT,
        DocumentKind.CERTIFICATE_BACK,
    )
    return {kind: (await Uploads(rt).store(kind, "image/png", PNG, CLIENT)).id for kind in kinds}


async def appeal_form(rt, ticket: str, sms_code: str, **overrides) -> EntityAppeal:
    captcha = await CaptchaService(rt).issue()
    values = dict(
        ticket=ticket,
        contact_name="孙七",
        contact_certificate_number=APPELLANT_ID,
        contact_phone=APPELLANT_PHONE,
        sms_code=sms_code,
        captcha_id=captcha.id,
        captcha_answer=CaptchaService(rt).peek(captcha.id),
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
        documents=await documents(rt),
    )
    values.update(overrides)
    return EntityAppeal(**values)


async def submitted(rt):
    entity = await make_entity(rt)
    service = EntityAppeals(rt)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    code = await code_for(rt, APPELLANT_PHONE, SmsPurpose.ENTITY_APPEAL)
    case = await service.submit(await appeal_form(rt, started.ticket, code), CLIENT)
    return entity, case


async def test_start_shows_the_masked_entity(rt):
    await make_entity(rt)
    started = await EntityAppeals(rt).start(sandbox.ACTIVE_ENTERPRISE.lower(), CLIENT)
    assert started.masked_entity_name == "湖北********公司"
    assert "MA4KTC01" not in started.masked_credit_code
    with pytest.raises(DomainError) as unknown:
        await EntityAppeals(rt).start(sandbox.UNKNOWN_CODE, CLIENT)
    assert unknown.value.code == ErrorCode.APPEAL_NOT_APPLICABLE
    with pytest.raises(DomainError) as malformed:
        await EntityAppeals(rt).start("91420100MA4KTC01X0", CLIENT)
    assert malformed.value.code == ErrorCode.INVALID_CREDIT_CODE


async def test_approved_appeal_replaces_contact_and_password_and_ends_sessions(rt, clock):
    entity = await make_entity(rt)
    _, token = await entity_principal(rt, entity)
    service = EntityAppeals(rt)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    code = await code_for(rt, APPELLANT_PHONE, SmsPurpose.ENTITY_APPEAL)
    form = await appeal_form(rt, started.ticket, code)
    case = await service.submit(form, CLIENT)
    stored = await ReviewCase.get(id=case.case_id)
    assert stored.kind == CaseKind.ENTITY_APPEAL and stored.status == CaseStatus.PENDING
    assert case.due_at > clock.now()
    assert stored.summary["contactPhone"] == "139****3333" and stored.summary["entityName"] == "湖北********公司"
    assert set(stored.summary["documents"]) == {
        "BUSINESS_LICENCE",
        "AUTHORISATION_LETTER",
        "CERTIFICATE_FRONT",
        "CERTIFICATE_BACK",
    }
    assert APPELLANT_ID not in str(stored.summary) and NEW_PASSWORD not in stored.details_enc
    claimed = await Upload.filter(id__in=list(form.documents.values()))
    assert {(u.owner_kind, u.owner_id) for u in claimed} == {("entity", entity.id)}
    # nothing changes before the decision
    assert open_entity(Pii(rt), await Entity.get(id=entity.id)).contact_phone == "13800001111"
    assert await Sessions(rt).principal(token) is not None

    decided = await CaseDecisions(rt).decide(REVIEWER, case.case_id, approve=True, reason=None, client=CLIENT)
    assert decided.status == CaseStatus.APPROVED
    after = open_entity(Pii(rt), await Entity.get(id=entity.id))
    assert (after.contact_name, after.contact_certificate_number, after.contact_phone) == (
        "孙七",
        APPELLANT_ID,
        APPELLANT_PHONE,
    )
    password_hash = await Passwords(rt).hash_of("entity", entity.id)
    assert await rt.hasher.verify(NEW_PASSWORD, password_hash)
    assert not await rt.hasher.verify(ENTITY_PASSWORD, password_hash)
    assert await Sessions(rt).principal(token) is None
    assert "法人账号申诉已通过" in sandbox_messages(rt, phone=APPELLANT_PHONE, limit=1)[0]["text"]
    [applied] = await AuditEvent.filter(event_type="entity.appeal_applied")
    assert applied.subject_id == entity.id and applied.details["contact_phone"] == "139****3333"

    with pytest.raises(DomainError) as second:
        await CaseDecisions(rt).decide(REVIEWER, case.case_id, approve=False, reason="重复", client=CLIENT)
    assert second.value.code == ErrorCode.CASE_ALREADY_DECIDED


async def test_rejected_appeal_changes_nothing(rt):
    entity, case = await submitted(rt)
    _, token = await entity_principal(rt, entity)
    decided = await CaseDecisions(rt).decide(REVIEWER, case.case_id, approve=False, reason="材料不清晰", client=CLIENT)
    assert decided.status == CaseStatus.REJECTED
    assert open_entity(Pii(rt), await Entity.get(id=entity.id)).contact_phone == "13800001111"
    assert await rt.hasher.verify(ENTITY_PASSWORD, await Passwords(rt).hash_of("entity", entity.id))
    assert await Sessions(rt).principal(token) is not None
    assert "材料不清晰" in sandbox_messages(rt, phone=APPELLANT_PHONE, limit=1)[0]["text"]
    with pytest.raises(DomainError) as second:
        await CaseDecisions(rt).decide(REVIEWER, case.case_id, approve=True, reason=None, client=CLIENT)
    assert second.value.code == ErrorCode.CASE_ALREADY_DECIDED


async def test_one_pending_appeal_per_entity_and_codes_are_single_use(rt):
    await submitted(rt)
    service = EntityAppeals(rt)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    code = await code_for(rt, "13900004444", SmsPurpose.ENTITY_APPEAL)
    form = await appeal_form(rt, started.ticket, code, contact_phone="13900004444")
    with pytest.raises(DomainError) as pending:
        await service.submit(form, CLIENT)
    assert pending.value.code == ErrorCode.ALREADY_EXISTS
    assert await ReviewCase.filter(kind=CaseKind.ENTITY_APPEAL).count() == 1
    # the documents of the refused submission were not claimed
    assert await Upload.filter(id__in=list(form.documents.values()), owner_id__isnull=True).count() == 4


async def test_reused_code_and_ticket(rt):
    await submitted(rt)
    await ReviewCase.filter(kind=CaseKind.ENTITY_APPEAL).update(pending_key=None)  # as if decided
    service = EntityAppeals(rt)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    # the previous code was consumed with the first submission
    last = sandbox_messages(rt, phone=APPELLANT_PHONE, limit=1)[0]["text"]
    used = last.split("验证码")[1][:6]
    with pytest.raises(DomainError) as reused:
        await service.submit(await appeal_form(rt, started.ticket, used), CLIENT)
    assert reused.value.code == ErrorCode.SMS_CODE_INVALID
    assert await ReviewCase.filter(kind=CaseKind.ENTITY_APPEAL).count() == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"documents": {}}, ErrorCode.UPLOAD_REQUIRED),
        ({"contact_certificate_number": "420102199001011210"}, ErrorCode.INVALID_ID_NUMBER),
        ({"contact_phone": "1380000"}, ErrorCode.INVALID_PHONE),
        ({"new_password_confirmation": "Other#2026pw"}, ErrorCode.PASSWORD_MISMATCH),
        ({"new_password": "123456", "new_password_confirmation": "123456"}, ErrorCode.WEAK_PASSWORD),
        ({"sms_code": "999999"}, ErrorCode.SMS_CODE_INVALID),
        ({"captcha_answer": "WRONG"}, ErrorCode.CAPTCHA_INVALID),
        ({"ticket": "forged"}, ErrorCode.STEP_INVALID),
    ],
)
async def test_bad_submissions_store_nothing(rt, overrides, expected):
    await make_entity(rt)
    service = EntityAppeals(rt)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    code = await code_for(rt, APPELLANT_PHONE, SmsPurpose.ENTITY_APPEAL)
    if overrides.get("sms_code") == code:
        overrides["sms_code"] = "888888"
    form = await appeal_form(rt, **{"ticket": started.ticket, "sms_code": code, **overrides})
    with pytest.raises(DomainError) as error:
        await service.submit(form, CLIENT)
    assert error.value.code == expected
    assert await ReviewCase.all().count() == 0
    assert await Upload.filter(owner_id__isnull=False).count() == 0


async def test_used_upload_is_refused(rt):
    entity, _ = await submitted(rt)
    await ReviewCase.filter(kind=CaseKind.ENTITY_APPEAL).update(pending_key=None)
    used = await Upload.filter(owner_id=entity.id).first()
    service = EntityAppeals(rt)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    code = await code_for(rt, "13900005555", SmsPurpose.ENTITY_APPEAL)
    form = await appeal_form(rt, started.ticket, code, contact_phone="13900005555")
    form.documents[DocumentKind(used.kind)] = used.id
    with pytest.raises(DomainError) as error:
        await service.submit(form, CLIENT)
    assert error.value.code == ErrorCode.UPLOAD_NOT_FOUND
    assert await ReviewCase.filter(kind=CaseKind.ENTITY_APPEAL).count() == 1


async def test_appeal_ticket_expires(rt, clock):
    await make_entity(rt)
    service = EntityAppeals(rt, ticket_seconds=1)
    started = await service.start(sandbox.ACTIVE_ENTERPRISE, CLIENT)
    code = await code_for(rt, APPELLANT_PHONE, SmsPurpose.ENTITY_APPEAL)
    clock.advance(2)
    await asyncio.sleep(1.2)  # Redis TTLs run on real time
    with pytest.raises(DomainError) as expired:
        await service.submit(await appeal_form(rt, started.ticket, code), CLIENT)
    assert expired.value.code == ErrorCode.STEP_INVALID
