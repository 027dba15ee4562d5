"""X2 at the service level: resend interval, daily caps, tries, purpose and phone binding."""

from __future__ import annotations

import pytest

from tests.support import sandbox_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SmsCodes, SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.1")
PHONE = "15012340058"


def last_code(rt, phone=PHONE):
    return sandbox_code(rt, phone)


async def test_code_is_bound_to_purpose_and_phone(rt):
    codes = SmsCodes(rt)
    await codes.send(SmsPurpose.REGISTER, PHONE, CLIENT)
    code = last_code(rt)
    assert len(code) == 6 and code.isdigit()
    for purpose, phone in ((SmsPurpose.ACTIVATE, PHONE), (SmsPurpose.REGISTER, "15012340059")):
        with pytest.raises(DomainError) as wrong:
            await codes.check(purpose, phone, code)
        assert wrong.value.code == ErrorCode.SMS_CODE_INVALID
    await codes.check(SmsPurpose.REGISTER, PHONE, code)
    await codes.consume(SmsPurpose.REGISTER, PHONE, code)
    with pytest.raises(DomainError):
        await codes.consume(SmsPurpose.REGISTER, PHONE, code)


async def test_resend_interval(rt, clock):
    codes = SmsCodes(rt)
    sent = await codes.send(SmsPurpose.REGISTER, PHONE, CLIENT)
    assert (sent.resend_after - clock.now()).total_seconds() == 60
    with pytest.raises(DomainError) as early:
        await codes.send(SmsPurpose.REGISTER, PHONE, CLIENT)
    assert early.value.code == ErrorCode.SMS_TOO_FREQUENT
    assert 0 < early.value.details["retry_after"] <= 61


async def test_daily_cap_per_phone(rt):
    rt.settings.sms_daily_per_phone = 2
    codes = SmsCodes(rt)
    for purpose in (SmsPurpose.REGISTER, SmsPurpose.ACTIVATE):
        await codes.send(purpose, PHONE, CLIENT)
    await rt.store.delete(codes._key("resend", SmsPurpose.REGISTER, PHONE))  # as if a minute passed
    with pytest.raises(DomainError) as capped:
        await codes.send(SmsPurpose.REGISTER, PHONE, CLIENT)
    assert capped.value.code == ErrorCode.SMS_DAILY_LIMIT


async def test_daily_cap_per_client_address(rt):
    rt.settings.sms_daily_per_client = 3
    codes = SmsCodes(rt)
    for n in range(3):
        await codes.send(SmsPurpose.REGISTER, f"1501234{n:04d}", CLIENT)
    with pytest.raises(DomainError) as capped:
        await codes.send(SmsPurpose.REGISTER, "15012349999", CLIENT)
    assert capped.value.code == ErrorCode.SMS_DAILY_LIMIT
    await codes.send(SmsPurpose.REGISTER, "15012349999", ClientInfo("198.51.100.2"))


async def test_store_holds_no_code_or_phone(rt):
    codes = SmsCodes(rt)
    await codes.send(SmsPurpose.REGISTER, PHONE, CLIENT)
    key = codes._key("code", SmsPurpose.REGISTER, PHONE)
    assert PHONE not in key
    assert last_code(rt) not in (await rt.store.get(key))
