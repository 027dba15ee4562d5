"""P10 at the service level: confirmation, erasure of every person-owned row, a clean slate afterwards."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tortoise import Tortoise, connections

from tests.support import PASSWORD, register_person, resident_id, sandbox_code
from uidp.domain.bank_cards import BankCheckStatus
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.bank_check import BankCheck
from uidp.models.binding import ExternalBinding
from uidp.models.person import Person
from uidp.models.review import CaseKind, ReviewCase
from uidp.models.upload import DocumentKind, Upload
from uidp.services.auth.login import LoginService
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.cancellation import CONSEQUENCES, MISMATCHES_PER_HOUR, CancellationService
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.erasure import KEPT, PERSON_OWNED
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.uploads import Uploads

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")
PHONE = "15012340058"
NAME = "欧阳娜娜"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def last_code(rt, phone=PHONE):
    return sandbox_code(rt, phone)


async def register(rt, phone=PHONE, seq="121"):
    return await register_person(rt, CLIENT, phone=phone, seq=seq, name=NAME)


async def log_in(rt, phone=PHONE):
    outcome = await LoginService(rt).login_with_password(phone, PASSWORD, CLIENT)
    return Principal("person", outcome.subject_id, outcome.issued.session.id), outcome.issued.token


async def dump_database() -> str:
    rows = []
    for app in Tortoise.apps.values():
        for model in app.values():
            _, result = await connections.get("default").execute_query(f'SELECT * FROM "{model._meta.db_table}"')
            rows += [repr(dict(row)) for row in result]
    return "\n".join(rows)


async def give_person_everything(rt, person):
    """A binding, a claimed upload, a review case and a bank check, as other flows would leave them."""
    await ExternalBinding.create(
        id=uuid.uuid4(),
        provider="alipay",
        subject_index=rt.blind.digest("binding:alipay", "2088000001"),
        subject_kind="person",
        subject_id=person.id,
        display_enc=None,
        created_at=rt.clock.now(),
    )
    upload = await Uploads(rt).store(DocumentKind.SUPPORTING, "image/png", PNG, CLIENT)
    await Uploads(rt).claim({DocumentKind.SUPPORTING: upload.id}, owner=("person", person.id))
    now = rt.clock.now()
    case_id, check_id = uuid.uuid4(), uuid.uuid4()
    await ReviewCase.create(
        id=case_id,
        kind=CaseKind.CERTIFICATE_APPEAL,
        person_id=person.id,
        submitted_at=now,
        due_at=now + timedelta(days=1),
        notify_phone_enc=rt.cipher.encrypt(PHONE, context="case.notify_phone", row=str(case_id)),
        details_enc=rt.cipher.encrypt("{}", context="case.details", row=str(case_id)),
        summary={"phone": "150****0058"},
    )
    await BankCheck.create(
        id=check_id,
        person_id=person.id,
        status=BankCheckStatus.PENDING,
        masked_card="6222 **** **** 0123",
        card_number_enc=rt.cipher.encrypt("6222021234567890123", context="bank_check.card", row=str(check_id)),
        provider="sandbox",
        pending_key=str(person.id),
        created_at=now,
    )
    return upload.id


async def cancel_code(rt, me):
    await UserSpace(rt).send_own_phone_code(me, SmsPurpose.CANCEL_ACCOUNT, CLIENT)
    return last_code(rt)


async def test_cancellation_erases_the_person_and_every_trace_of_pii(rt):
    person = await register(rt)
    other = await register(rt, phone="15012340059", seq="131")
    upload_id = await give_person_everything(rt, person)
    me, token = await log_in(rt)
    _, other_token = await log_in(rt, "15012340059")
    indexes = (rt.blind.digest("certificate:RESIDENT_ID", resident_id()), rt.blind.digest("phone", PHONE))
    before = await dump_database()
    assert all(index in before for index in indexes)

    code = await cancel_code(rt, me)
    assert await CancellationService(rt).cancel(me, resident_id().lower(), code, CLIENT) == person.id

    dump = await dump_database()
    for secret in (resident_id(), resident_id()[-10:], PHONE, NAME, *indexes):
        assert secret not in dump, secret
    assert await Person.filter(id=person.id).count() == 0
    assert not await Upload.exists(id=upload_id)
    for model, where in PERSON_OWNED:
        assert await model.filter(**where(person.id)).count() == 0, model
    assert await Sessions(rt).resolve(token) is None
    assert await Sessions(rt).resolve(other_token) is not None and await Person.exists(id=other.id)
    event = await AuditEvent.get(event_type="person.cancelled")
    assert event.subject_id == person.id
    assert event.details["certificate_number"] == "***********" + resident_id()[-4:]
    assert event.details["phone"] == "150****0058"

    await rt.store.delete(SmsCodes(rt)._key("resend", SmsPurpose.REGISTER, PHONE))  # as if a minute passed
    again = await register(rt)  # the same ID and phone make a new, unrelated account
    assert again.id != person.id
    assert await ReviewCase.filter(person_id=again.id).count() == 0


async def test_wrong_certificate_or_code_changes_nothing(rt):
    person = await register(rt)
    me, token = await log_in(rt)
    service = CancellationService(rt)
    code = await cancel_code(rt, me)
    wrong_code = "000000" if code != "000000" else "111111"
    cases = (
        (resident_id(seq="131"), code, ErrorCode.CERTIFICATE_MISMATCH, "certificateNumber"),
        ("not a number", code, ErrorCode.CERTIFICATE_MISMATCH, "certificateNumber"),
        ("", code, ErrorCode.REQUIRED, "certificateNumber"),
        (resident_id(), wrong_code, ErrorCode.SMS_CODE_INVALID, "smsCode"),
        (resident_id(), "", ErrorCode.REQUIRED, "smsCode"),
    )
    for number, sms, code_expected, field in cases:
        with pytest.raises(DomainError) as caught:
            await service.cancel(me, number, sms, CLIENT)
        assert (caught.value.code, caught.value.field) == (code_expected, field)
    assert await Person.exists(id=person.id)
    assert await Sessions(rt).resolve(token) is not None
    assert await AuditEvent.filter(event_type="person.cancelled").count() == 0
    # A code for another purpose does not cancel.
    await SmsCodes(rt).send(SmsPurpose.CHANGE_PHONE_OLD, PHONE, CLIENT)
    with pytest.raises(DomainError) as caught:
        await service.cancel(me, resident_id(), last_code(rt), CLIENT)
    assert caught.value.code == ErrorCode.SMS_CODE_INVALID
    await service.cancel(me, resident_id(), code, CLIENT)  # the right pair still works
    assert not await Person.exists(id=person.id)


async def test_certificate_guessing_is_limited(rt):
    await register(rt)
    me, _ = await log_in(rt)
    service = CancellationService(rt)
    for _ in range(MISMATCHES_PER_HOUR):
        with pytest.raises(DomainError):
            await service.cancel(me, resident_id(seq="131"), "123456", CLIENT)
    with pytest.raises(DomainError) as caught:
        await service.cancel(me, resident_id(), "123456", CLIENT)
    assert caught.value.code == ErrorCode.RATE_LIMITED and caught.value.details["retry_after"] > 0


def test_notice_has_the_five_consequences_of_the_manual():
    assert len(CONSEQUENCES) == 5
    assert "永久删除" in CONSEQUENCES[0] and "绑定关系全部删除" in CONSEQUENCES[3] and "解除授权" in CONSEQUENCES[4]


async def test_erasure_covers_every_model_that_refers_to_persons(rt):
    """A new person-owned model must be added to uidp.services.shared.erasure (or to KEPT, with a reason)."""
    covered = {model._meta.db_table for model, _ in PERSON_OWNED} | set(KEPT)
    person_fields = {"subject_id", "owner_id", "person_id", "person", "grantor_id", "grantee_id"}
    for app in Tortoise.apps.values():
        for model in app.values():
            names = set(model._meta.fields_map)
            refers = names & person_fields or any(
                getattr(f, "related_model", None) is Person for f in model._meta.fields_map.values()
            )
            if refers:
                assert model._meta.db_table in covered, f"{model._meta.db_table} is not erased on cancellation"
