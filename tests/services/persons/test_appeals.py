"""Persons' appeals and notices at the service level: redirects, approval effects, decoys, notices."""

from __future__ import annotations

import uuid

import pytest

from tests.support import PASSWORD, fails, register_person, resident_id, service_code
from uidp.domain.certificates import CertificateType
from uidp.domain.errors import ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.bank_check import BankCheck
from uidp.models.binding import ExternalBinding
from uidp.models.ca_binding import CertificateBinding
from uidp.models.notice import NoticeKind
from uidp.models.person import Person
from uidp.models.review import CaseKind
from uidp.services.persons.activation import ActivationService
from uidp.services.persons.appeals import PhoneAppeal, PhoneAppeals
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.decoys import decoy_send
from uidp.services.shared.notices import Notices
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.staff.case_decisions import CaseDecisions
from uidp.services.staff.review import ReviewCases

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.20")
REVIEWER = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("reviewer",))
PHONE = "15012340058"
NEW_PASSWORD = "Owner#2026back"


def principal_of(person):
    return Principal("person", person.id, uuid.uuid4())


async def test_notices_are_listed_and_acknowledged_by_their_owner_only(rt):
    owner, other = await register_person(rt, CLIENT), await register_person(rt, CLIENT, phone="15012340059", seq="131")
    notices = Notices(rt)
    posted = await notices.post(("person", owner.id), NoticeKind.PHONE_MOVED_BY_APPEAL, phone="150****0058")
    [pending] = await notices.pending("person", owner.id)
    assert (pending.id, pending.kind) == (posted.id, NoticeKind.PHONE_MOVED_BY_APPEAL)
    assert "150****0058" in pending.message
    assert await notices.pending("person", other.id) == []
    await fails(ErrorCode.NOT_FOUND, notices.acknowledge(principal_of(other), str(posted.id), CLIENT), "noticeId")
    await fails(ErrorCode.NOT_FOUND, notices.acknowledge(principal_of(owner), "not-a-uuid", CLIENT), "noticeId")
    await notices.acknowledge(principal_of(owner), str(posted.id), CLIENT)
    assert await notices.pending("person", owner.id) == []
    await fails(ErrorCode.NOT_FOUND, notices.acknowledge(principal_of(owner), str(posted.id), CLIENT))
    assert await AuditEvent.filter(event_type="notice.acknowledged").count() == 1


async def phone_appeal(rt, number, **overrides):
    form = PhoneAppeal(
        phone=PHONE,
        sms_code=await service_code(rt, PHONE, SmsPurpose.APPEAL, CLIENT),
        certificate_type=CertificateType.RESIDENT_ID,
        contact_name="王真",
        contact_certificate_number=number,
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
        card_number="6217000000000000012",
    )
    for key, value in overrides.items():
        setattr(form, key, value)
    return await PhoneAppeals(rt).submit(form, CLIENT)


async def test_a_pre_provisioned_certificate_is_sent_to_activation(rt):
    await register_person(rt, CLIENT)  # holds the appealed phone
    number = resident_id(seq="555")
    csv = f"name,certificate_type,certificate_number,phone\n王真,,{number},15012340061\n"
    assert (await ActivationService(rt).import_csv(csv)).created == 1
    error = await fails(ErrorCode.CERTIFICATE_HAS_ACCOUNT, phone_appeal(rt, number), "contactCertificateNumber")
    assert error.details["route"] == "ACTIVATE"
    assert await Person.filter(phone_index=rt.blind.digest("phone", "15012340061")).exists()  # untouched


async def test_certificate_appeal_approval_removes_what_the_impostor_made(rt):
    impostor = await register_person(rt, CLIENT)
    await Person.filter(id=impostor.id).update(level=3)
    now = rt.clock.now()
    subject = {"subject_kind": "person", "subject_id": impostor.id}
    await ExternalBinding.create(id=uuid.uuid4(), provider="alipay", subject_index="a" * 32, created_at=now, **subject)
    await CertificateBinding.create(
        id=uuid.uuid4(), fingerprint="f" * 64, subject_dn_enc="x", serial="01", not_after=now, created_at=now, **subject
    )
    await BankCheck.create(
        id=uuid.uuid4(),
        person_id=impostor.id,
        status="MATCHED",
        masked_card="6217 **** **** 0012",
        card_number_enc="x",
        provider="sandbox",
        created_at=now,
    )
    case = await ReviewCases(rt).open(
        CaseKind.CERTIFICATE_APPEAL,
        notify_phone="15012347777",
        details={"new_phone": "15012347777", "password_hash": await rt.hasher.hash(NEW_PASSWORD)},
        summary={},
        person_id=impostor.id,
        pending_key=str(impostor.id),
    )
    await CaseDecisions(rt).decide(REVIEWER, case.id, approve=True, reason=None, client=CLIENT)
    person = await Person.get(id=impostor.id)
    assert person.level == 1
    for model in (ExternalBinding, CertificateBinding):
        assert not await model.filter(**subject).exists()
    assert not await BankCheck.filter(person_id=impostor.id).exists()
    stored = await Passwords(rt).hash_of("person", impostor.id)
    assert await rt.hasher.verify(NEW_PASSWORD, stored) and not await rt.hasher.verify(PASSWORD, stored)
    event = await AuditEvent.get(event_type="person.appeal_applied")
    assert (event.details["bindings_removed"], event.details["certificates_removed"]) == (1, 1)


async def test_decoy_sends_count_against_the_same_caps(rt):
    """An unknown person's answer must run out exactly when a known one's would."""
    rt.settings.sms_daily_per_client = 1
    await decoy_send(rt, SmsPurpose.ACTIVATE, "d" * 32, CLIENT)
    await fails(ErrorCode.SMS_DAILY_LIMIT, SmsCodes(rt).send(SmsPurpose.REGISTER, PHONE, CLIENT))
    await fails(ErrorCode.SMS_DAILY_LIMIT, decoy_send(rt, SmsPurpose.ACTIVATE, "e" * 32, CLIENT))


async def test_an_account_without_a_phone_looks_unknown_to_recovery(rt):
    """After a phone appeal took the phone, P8 has nowhere to send a code: it answers like for nobody."""
    from uidp.services.persons.recovery import RecoveryService
    from uidp.services.shared.captcha import CaptchaService
    from uidp.services.shared.sandbox import sandbox_messages

    person = await register_person(rt, CLIENT)
    await Person.filter(id=person.id).update(phone_index=None, phone_enc=None)
    captcha = await CaptchaService(rt).issue()
    answer = CaptchaService(rt).peek(captcha.id)
    started = await RecoveryService(rt).start(
        "陈心", CertificateType.RESIDENT_ID, resident_id(), captcha.id, answer, CLIENT
    )
    before = len(sandbox_messages(rt, limit=100))
    masked, _ = await RecoveryService(rt).send_code(started.ticket, CLIENT)
    assert masked == started.masked_phone and len(sandbox_messages(rt, limit=100)) == before
