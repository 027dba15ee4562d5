"""P8 at the service level: steps bound by a ticket, no skipping or replay, unknown persons look known."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.support import PASSWORD, fails, register_person, resident_id, sandbox_code
from uidp.domain.certificates import CertificateType
from uidp.domain.errors import ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.credential import Credential
from uidp.services.auth.login import LoginService
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.recovery import RecoveryService
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sandbox import sandbox_messages
from uidp.services.shared.sms import SmsCodes, SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")
PHONE = "15012340058"
NEW_PASSWORD = "Wuhan@2027new"
MASKED_PHONE = re.compile(r"^1[3-9]\d\*{4}\d{4}$")


def last_code(rt, phone=PHONE):
    return sandbox_code(rt, phone)


async def register(rt, phone=PHONE, seq="121", name="陈心"):
    return await register_person(rt, CLIENT, phone=phone, seq=seq, name=name)


async def start(rt, name="陈心", number=None, service=None):
    captcha = await CaptchaService(rt).issue()
    answer = CaptchaService(rt).peek(captcha.id)
    return await (service or RecoveryService(rt)).start(
        name, CertificateType.RESIDENT_ID, number or resident_id(), captcha.id, answer, CLIENT
    )


async def test_full_recovery_sets_password_ends_sessions_and_unlocks(rt):
    person = await register(rt)
    login = LoginService(rt)
    first = await login.login_with_password(PHONE, PASSWORD, CLIENT)
    for _ in range(rt.settings.login_lock_after):
        await LoginThrottle(rt).check_password(f"person:{person.id}", CLIENT, "Wrong#2026pw", None)
    assert await LoginThrottle(rt).is_locked(f"person:{person.id}")

    recovery = RecoveryService(rt)
    started = await start(rt, name=" 陈心 ")
    assert started.masked_phone == "150****0058"
    masked, sent = await recovery.send_code(started.ticket, CLIENT)
    assert masked == "150****0058" and sent.resend_after > rt.clock.now()
    code = last_code(rt)
    assert "找回密码" in sandbox_messages(rt, phone=PHONE, limit=1)[0]["text"]
    old_hash = (await Credential.get(subject_id=person.id)).secret_hash
    assert await recovery.complete(started.ticket, code, NEW_PASSWORD, NEW_PASSWORD, CLIENT) == person.id

    assert (await Credential.get(subject_id=person.id)).secret_hash != old_hash
    assert await Sessions(rt).resolve(first.issued.token) is None
    assert not await LoginThrottle(rt).is_locked(f"person:{person.id}")
    assert (await login.login_with_password(PHONE, NEW_PASSWORD, CLIENT)).subject_id == person.id
    event = await AuditEvent.get(event_type="password.recovered")
    assert event.subject_id == person.id and event.details == {"sessions_ended": 1}
    # Replaying the last step, even with the right code and password, is refused.
    await fails(ErrorCode.STEP_INVALID, recovery.complete(started.ticket, code, NEW_PASSWORD, NEW_PASSWORD, CLIENT))
    await fails(ErrorCode.STEP_INVALID, recovery.send_code(started.ticket, CLIENT), "ticket")


async def test_steps_cannot_be_skipped_or_invented(rt):
    await register(rt)
    recovery = RecoveryService(rt)
    started = await start(rt)
    # Step 3 before step 2: refused, even with a RECOVER_PASSWORD code obtained some other way.
    await SmsCodes(rt).send(SmsPurpose.RECOVER_PASSWORD, PHONE, CLIENT)
    sneaked = last_code(rt)
    await fails(
        ErrorCode.STEP_INVALID,
        recovery.complete(started.ticket, sneaked, NEW_PASSWORD, NEW_PASSWORD, CLIENT),
        "smsCode",
    )
    for bogus in ("", "x" * 200, "not-a-ticket"):
        await fails(ErrorCode.STEP_INVALID, recovery.send_code(bogus, CLIENT), "ticket")
        await fails(ErrorCode.STEP_INVALID, recovery.complete(bogus, sneaked, NEW_PASSWORD, NEW_PASSWORD, CLIENT))
    assert await LoginService(rt).login_with_password(PHONE, PASSWORD, CLIENT)


async def test_bad_input_keeps_the_old_password(rt):
    person = await register(rt)
    recovery = RecoveryService(rt)
    started = await start(rt)
    await recovery.send_code(started.ticket, CLIENT)
    code = last_code(rt)
    with_phone = "Ab#" + PHONE
    await fails(
        ErrorCode.WEAK_PASSWORD, recovery.complete(started.ticket, code, with_phone, with_phone, CLIENT), "newPassword"
    )
    with_id = "a#" + resident_id()
    await fails(ErrorCode.WEAK_PASSWORD, recovery.complete(started.ticket, code, with_id, with_id, CLIENT))
    await fails(
        ErrorCode.PASSWORD_MISMATCH,
        recovery.complete(started.ticket, code, NEW_PASSWORD, NEW_PASSWORD + "x", CLIENT),
        "newPasswordConfirmation",
    )
    wrong = "000000" if code != "000000" else "111111"
    await fails(
        ErrorCode.SMS_CODE_INVALID,
        recovery.complete(started.ticket, wrong, NEW_PASSWORD, NEW_PASSWORD, CLIENT),
        "smsCode",
    )
    assert await rt.hasher.verify(PASSWORD, (await Credential.get(subject_id=person.id)).secret_hash)
    # The ticket survives bad input: the right code still works.
    await recovery.complete(started.ticket, code, NEW_PASSWORD, NEW_PASSWORD, CLIENT)


async def test_format_and_captcha_errors(rt):
    recovery = RecoveryService(rt)
    await fails(ErrorCode.INVALID_NAME, start(rt, name="1"), "name")
    await fails(ErrorCode.INVALID_ID_NUMBER, start(rt, number="420102199001011210"), "certificateNumber")
    await fails(
        ErrorCode.CAPTCHA_INVALID,
        recovery.start("陈心", CertificateType.RESIDENT_ID, resident_id(), "nope", "ABCD", CLIENT),
    )


async def test_unknown_person_answers_like_a_known_one(rt):
    await register(rt)
    recovery = RecoveryService(rt)
    unknown_id = resident_id(seq="131")
    first = await start(rt, number=unknown_id)
    again = await start(rt, number=unknown_id)
    assert MASKED_PHONE.match(first.masked_phone)
    assert first.masked_phone == again.masked_phone and first.ticket != again.ticket
    wrong_name = await start(rt, name="陈新")  # the right certificate with a wrong name
    assert MASKED_PHONE.match(wrong_name.masked_phone) and wrong_name.masked_phone != "150****0058"

    before = len(sandbox_messages(rt, limit=1000))
    for started in (first, wrong_name):
        masked, sent = await recovery.send_code(started.ticket, CLIENT)
        assert masked == started.masked_phone
        assert (sent.resend_after - rt.clock.now()).total_seconds() == rt.settings.sms_resend_seconds
        error = await fails(ErrorCode.SMS_TOO_FREQUENT, recovery.send_code(started.ticket, CLIENT))
        assert error.details["retry_after"] > 0
        await fails(
            ErrorCode.SMS_CODE_INVALID,
            recovery.complete(started.ticket, "123456", NEW_PASSWORD, NEW_PASSWORD, CLIENT),
            "smsCode",
        )
    assert len(sandbox_messages(rt, limit=1000)) == before  # nothing was sent
    started_events = await AuditEvent.filter(event_type="recovery.started").order_by("at")
    assert [e.details["known_account"] for e in started_events] == [False, False, False]


async def test_tickets_expire(rt, clock):
    await register(rt)
    recovery = RecoveryService(rt, ticket_seconds=1)
    started = await start(rt, service=recovery)
    clock.advance(2)
    await asyncio.sleep(1.1)  # Redis TTLs run on real time
    await fails(ErrorCode.STEP_INVALID, recovery.send_code(started.ticket, CLIENT), "ticket")
