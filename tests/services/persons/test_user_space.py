"""P11 at the service level: password and phone changes, own sessions and bindings only."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.support import PASSWORD, fails, register_person, sandbox_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.person import Person
from uidp.services.auth.login import LoginService
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.user_space import BINDING_DISPLAY_COLUMN, UserSpace
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.sms import SmsCodes, SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")
PHONE = "15012340058"
OTHER_PHONE = "15012340059"
NEW_PHONE = "15112345678"
NEW_PASSWORD = "Wuhan@2027new"


def last_code(rt, phone=PHONE):
    return sandbox_code(rt, phone)


async def register(rt, phone=PHONE, seq="121"):
    return await register_person(rt, CLIENT, phone=phone, seq=seq)


async def log_in(rt, identifier=PHONE, password=PASSWORD):
    outcome = await LoginService(rt).login_with_password(identifier, password, CLIENT)
    session = outcome.issued.session
    return Principal("person", outcome.subject_id, session.id), outcome.issued.token


async def test_change_password_keeps_this_session_and_ends_the_others(rt):
    await register(rt)
    me, my_token = await log_in(rt)
    _, other_token = await log_in(rt)
    space = UserSpace(rt)
    assert await space.change_password(me, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, CLIENT) == 1
    assert await Sessions(rt).resolve(my_token) is not None
    assert await Sessions(rt).resolve(other_token) is None
    await log_in(rt, password=NEW_PASSWORD)
    with pytest.raises(DomainError):
        await log_in(rt)
    assert await AuditEvent.filter(event_type="password.changed").count() == 1


async def test_change_password_bad_input(rt):
    person = await register(rt)
    me, _ = await log_in(rt)
    space = UserSpace(rt)
    await fails(
        ErrorCode.REQUIRED, space.change_password(me, "", NEW_PASSWORD, NEW_PASSWORD, CLIENT), "currentPassword"
    )
    await fails(ErrorCode.WEAK_PASSWORD, space.change_password(me, PASSWORD, "short", "short", CLIENT), "newPassword")
    await fails(ErrorCode.WEAK_PASSWORD, space.change_password(me, PASSWORD, PASSWORD, PASSWORD, CLIENT))
    await fails(
        ErrorCode.PASSWORD_MISMATCH,
        space.change_password(me, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", CLIENT),
        "newPasswordConfirmation",
    )
    with_phone = "Ab#" + PHONE
    await fails(ErrorCode.WEAK_PASSWORD, space.change_password(me, PASSWORD, with_phone, with_phone, CLIENT))
    await log_in(rt)  # unchanged
    assert not await LoginThrottle(rt).is_locked(f"person:{person.id}")


async def test_wrong_current_password_counts_toward_the_lock(rt):
    person = await register(rt)
    me, _ = await log_in(rt)
    space = UserSpace(rt)
    for _ in range(rt.settings.login_lock_after):
        await fails(
            ErrorCode.WRONG_PASSWORD,
            space.change_password(me, "Wrong#2026pw", NEW_PASSWORD, NEW_PASSWORD, CLIENT),
            "currentPassword",
        )
    assert await LoginThrottle(rt).is_locked(f"person:{person.id}")
    # Locked: even the right password answers WRONG_PASSWORD, and login is locked too.
    await fails(ErrorCode.WRONG_PASSWORD, space.change_password(me, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, CLIENT))
    captcha = await CaptchaService(rt).issue()
    login = LoginService(rt).login_with_password(
        PHONE, PASSWORD, CLIENT, captcha_id=captcha.id, captcha_answer=CaptchaService(rt).peek(captcha.id)
    )
    await fails(ErrorCode.INVALID_CREDENTIALS, login)
    assert await AuditEvent.filter(event_type="account.locked").count() == 1


async def test_change_phone_with_codes_to_both_phones(rt):
    person = await register(rt)
    _, other_token = await log_in(rt)
    me, token = await log_in(rt)
    space = UserSpace(rt)
    masked, _ = await space.send_own_phone_code(me, SmsPurpose.CHANGE_PHONE_OLD, CLIENT)
    assert masked == "150****0058"
    old_code = last_code(rt, PHONE)
    await SmsCodes(rt).send(SmsPurpose.CHANGE_PHONE_NEW, NEW_PHONE, CLIENT)
    new_code = last_code(rt, NEW_PHONE)
    # Codes are not interchangeable between the phones.
    await fails(
        ErrorCode.SMS_CODE_INVALID, space.change_phone(me, new_code, NEW_PHONE, new_code, CLIENT), "oldPhoneCode"
    )
    await fails(
        ErrorCode.SMS_CODE_INVALID, space.change_phone(me, old_code, NEW_PHONE, old_code, CLIENT), "newPhoneCode"
    )
    changed = await space.change_phone(me, old_code, NEW_PHONE, new_code, CLIENT)
    assert changed.id == person.id
    assert (await PersonLookup(rt).by_phone(NEW_PHONE)).id == person.id
    assert await PersonLookup(rt).by_phone(PHONE) is None
    await log_in(rt, NEW_PHONE)
    event = await AuditEvent.get(event_type="phone.changed")
    assert event.details == {"old_phone": "150****0058", "new_phone": "151****5678", "sessions_ended": 1}
    assert await Sessions(rt).resolve(token) is not None
    assert await Sessions(rt).resolve(other_token) is None  # 1.10: the account's other sessions end
    # Codes are single use.
    await fails(ErrorCode.SMS_CODE_INVALID, space.change_phone(me, old_code, "15112340000", new_code, CLIENT))


async def test_change_phone_to_a_taken_phone(rt):
    await register(rt)
    await register(rt, phone=OTHER_PHONE, seq="131")
    me, _ = await log_in(rt)
    space = UserSpace(rt)
    # Whether the new phone is taken is told only after both codes are proven.
    await fails(ErrorCode.SMS_CODE_INVALID, space.change_phone(me, "111111", OTHER_PHONE, "222222", CLIENT))
    await space.send_own_phone_code(me, SmsPurpose.CHANGE_PHONE_OLD, CLIENT)
    await SmsCodes(rt).send(SmsPurpose.CHANGE_PHONE_NEW, OTHER_PHONE, CLIENT)
    codes = (last_code(rt, PHONE), last_code(rt, OTHER_PHONE))
    error = await fails(
        ErrorCode.PHONE_TAKEN, space.change_phone(me, codes[0], OTHER_PHONE, codes[1], CLIENT), "newPhone"
    )
    assert error.details["appeal"] == "PHONE_TAKEN_BY_OTHER"
    await fails(ErrorCode.INVALID_PHONE, space.change_phone(me, "111111", PHONE, "222222", CLIENT), "newPhone")
    await fails(ErrorCode.INVALID_PHONE, space.change_phone(me, "111111", "123", "222222", CLIENT), "newPhone")


async def test_concurrent_claims_on_a_new_phone_have_one_winner(rt):
    await register(rt)
    me, _ = await log_in(rt)
    space = UserSpace(rt)
    await space.send_own_phone_code(me, SmsPurpose.CHANGE_PHONE_OLD, CLIENT)
    old_code = last_code(rt, PHONE)
    await SmsCodes(rt).send(SmsPurpose.CHANGE_PHONE_NEW, NEW_PHONE, CLIENT)
    new_code = last_code(rt, NEW_PHONE)
    results = await asyncio.gather(
        space.change_phone(me, old_code, NEW_PHONE, new_code, CLIENT),
        register(rt, phone=NEW_PHONE, seq="131"),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], DomainError) and errors[0].code == ErrorCode.PHONE_TAKEN
    assert await Person.filter(phone_index=rt.blind.digest("phone", NEW_PHONE)).count() == 1


async def test_own_phone_codes_only_for_own_purposes(rt):
    await register(rt)
    me, _ = await log_in(rt)
    await fails(
        ErrorCode.INVALID_PURPOSE, UserSpace(rt).send_own_phone_code(me, SmsPurpose.REGISTER, CLIENT), "purpose"
    )
    await UserSpace(rt).send_own_phone_code(me, SmsPurpose.CANCEL_ACCOUNT, CLIENT)
    await fails(ErrorCode.SMS_TOO_FREQUENT, UserSpace(rt).send_own_phone_code(me, SmsPurpose.CANCEL_ACCOUNT, CLIENT))


async def test_sessions_list_and_end_only_own(rt, clock):
    await register(rt)
    await register(rt, phone=OTHER_PHONE, seq="131")
    me, _ = await log_in(rt)
    clock.advance(5)
    second, _ = await log_in(rt)
    other, _ = await log_in(rt, OTHER_PHONE)
    space = UserSpace(rt)
    listed = await space.my_sessions(me)
    assert [s.id for s in listed] == [second.session_id, me.session_id]
    assert [s.current for s in listed] == [False, True]
    assert listed[0].masked_client_address == "198.51.100.*" and listed[0].login_method == "password"
    for foreign in (str(other.session_id), str(uuid.uuid4()), "not-a-uuid"):
        error = await fails(ErrorCode.NOT_FOUND, space.end_session(me, foreign, CLIENT), "sessionId")
        assert error.message == "记录不存在"
    assert await space.end_session(me, str(second.session_id), CLIENT) is False
    assert [s.id for s in await space.my_sessions(me)] == [me.session_id]
    await fails(ErrorCode.NOT_FOUND, space.end_session(me, str(second.session_id), CLIENT))
    assert len(await space.my_sessions(other)) == 1


async def test_bindings_list_and_unbind(rt, clock):
    person = await register(rt)
    other = await register(rt, phone=OTHER_PHONE, seq="131")
    me, _ = await log_in(rt)
    for owner, provider in ((person, "alipay"), (person, "esscard"), (other, "alipay")):
        binding_id = uuid.uuid4()
        await ExternalBinding.create(
            id=binding_id,
            provider=provider,
            subject_index=rt.blind.digest(f"binding:{provider}", str(owner.id)),
            subject_kind="person",
            subject_id=owner.id,
            display_enc=rt.cipher.encrypt("支付宝用户", context=BINDING_DISPLAY_COLUMN, row=str(binding_id))
            if provider == "alipay"
            else None,
            created_at=clock.now(),
        )
    space = UserSpace(rt)
    listed = await space.my_bindings(me)
    assert sorted((b.provider, b.masked_display) for b in listed) == [("alipay", "支****"), ("esscard", "")]
    await space.unbind(me, "alipay", CLIENT)
    assert [b.provider for b in await space.my_bindings(me)] == ["esscard"]
    await fails(ErrorCode.NOT_FOUND, space.unbind(me, "alipay", CLIENT), "provider")
    await fails(ErrorCode.REQUIRED, space.unbind(me, " ", CLIENT), "provider")
    assert await ExternalBinding.filter(subject_id=other.id).count() == 1


async def test_staff_principal_is_not_a_person(rt):
    staff = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("reviewer",))
    await fails(ErrorCode.FORBIDDEN, UserSpace(rt).my_sessions(staff))
