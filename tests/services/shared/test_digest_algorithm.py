"""One-time digests move from HMAC-SHA256 to HMAC-SM3: values stored before the switch still verify while the
previous algorithm is listed, new ones are stored under SM3, a wrong value fails under both."""

from __future__ import annotations

import hmac

import pytest

from tests.support import PASSWORD, resident_id
from uidp.security.tokens import _GmSm3, digest_secret, sm3
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.sms import SmsCodes, SmsPurpose

pytestmark = pytest.mark.anyio


def test_sm3_is_gb_t_32905_and_both_implementations_agree():
    assert sm3()(b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    key, message = b"k" * 32, b"sms:REGISTER:15012340058\x00123456"
    assert hmac.new(key, message, sm3()).hexdigest() == hmac.new(key, message, _GmSm3).hexdigest()
    assert digest_secret(key, "p", "v", "hmac-sm3") != digest_secret(key, "p", "v")
    with pytest.raises(ValueError, match="unknown digest algorithm"):
        digest_secret(key, "p", "v", "md5")


async def test_codes_sent_before_the_switch_still_work_and_new_ones_are_sm3(api, rt):
    phone = "15012340058"
    before = await api.code_for("REGISTER", phone)
    captcha_id, answer = await api.captcha()
    rt.settings.digest_algorithm, rt.settings.digest_algorithm_previous = "hmac-sm3", "hmac-sha256"

    form = api.id_card_form(phone=phone, smsCode=before)
    assert (await api.register(form, with_code=False))["__typename"] == "PersonRegistered"
    await CaptchaService(rt).verify(captcha_id, answer)  # issued under SHA-256, answered under SM3: accepted

    other = "15012340059"
    await api.code_for("REGISTER", other)
    stored = await rt.store.get(SmsCodes(rt)._key("code", SmsPurpose.REGISTER, other))
    code = api.last_code(other)
    assert stored == digest_secret(rt.secret_key, f"sms:REGISTER:{other}", code, "hmac-sm3")

    rt.settings.digest_algorithm_previous = ""  # the dual period is over
    wrong = api.id_card_form(phone=other, smsCode="000000", certificateNumber=resident_id(seq="122"))
    refused = await api.register(wrong, with_code=False)
    assert refused.get("code") == "SMS_CODE_INVALID", refused
    right = api.id_card_form(phone=other, smsCode=code, certificateNumber=resident_id(seq="122"))
    assert (await api.register(right, with_code=False))["__typename"] == "PersonRegistered"
    assert (await api.login(other, PASSWORD))["__typename"] == "LoginSuccess"


async def test_a_setup_code_issued_before_the_switch_still_enrols(rt):
    from uidp.domain.accounts import StaffRole
    from uidp.domain.errors import DomainError, ErrorCode
    from uidp.services.shared.principal import ClientInfo, cli_actor
    from uidp.services.staff.staff import StaffService
    from uidp.services.staff.staff_enrolment import StaffEnrolments

    client = ClientInfo("192.0.2.10")
    _, early = await StaffService(rt).create("reviewer8", "reviewer8", [StaffRole.REVIEWER], actor=cli_actor())
    _, late = await StaffService(rt).create("reviewer9", "reviewer9", [StaffRole.REVIEWER], actor=cli_actor())
    rt.settings.digest_algorithm, rt.settings.digest_algorithm_previous = "hmac-sm3", "hmac-sha256"
    assert (await StaffEnrolments(rt).start("reviewer8", early.code, client)).token
    rt.settings.digest_algorithm_previous = ""  # dropped too early: the SHA-256 code no longer opens
    with pytest.raises(DomainError) as refused:
        await StaffEnrolments(rt).start("reviewer9", late.code, client)
    assert refused.value.code == ErrorCode.SETUP_CODE_INVALID
