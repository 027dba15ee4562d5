"""X1/X2 through HTTP: the captcha gate, equal answers, resend interval and caps as RateLimited."""

from __future__ import annotations

import pytest

from graph.schema.enums import PhoneCodePurpose
from tests.support import SEND_CODE
from uidp.services.shared.sms_request import TO_TYPED_PHONE

pytestmark = pytest.mark.anyio


async def test_same_answer_with_or_without_an_account(api):
    await api.register(api.id_card_form())
    known = await api.send_code("APPEAL", "15012340058")
    unknown = await api.send_code("APPEAL", "15012340059")
    assert known.keys() == unknown.keys()
    assert known["__typename"] == unknown["__typename"] == "SmsCodeSent"


async def test_captcha_gate(api):
    captcha_id, answer = await api.captcha()
    wrong = await api.data(
        SEND_CODE,
        {"i": {"purpose": "REGISTER", "phone": "15012340058", "captchaId": captcha_id, "captchaAnswer": "????"}},
    )
    assert (wrong["sendSmsCode"]["code"], wrong["sendSmsCode"]["field"]) == ("CAPTCHA_INVALID", "captchaAnswer")
    reused = await api.data(
        SEND_CODE,
        {"i": {"purpose": "REGISTER", "phone": "15012340058", "captchaId": captcha_id, "captchaAnswer": answer}},
    )
    assert reused["sendSmsCode"]["code"] == "CAPTCHA_INVALID"


async def test_resend_and_caps_are_rate_limited(api, rt):
    assert (await api.send_code("REGISTER", "15012340058"))["__typename"] == "SmsCodeSent"
    early = await api.send_code("REGISTER", "15012340058")
    assert early["__typename"] == "RateLimited"
    assert early["code"] == "SMS_TOO_FREQUENT" and 0 < early["retryAfterSeconds"] <= 61
    rt.settings.sms_daily_per_client = 2
    assert (await api.send_code("REGISTER", "15012340059"))["__typename"] == "SmsCodeSent"
    capped = await api.send_code("REGISTER", "15012340060")
    assert (capped["__typename"], capped["code"]) == ("RateLimited", "SMS_DAILY_LIMIT")


async def test_phone_is_required_for_register_codes(api):
    sent = await api.send_code("REGISTER", "")
    assert (sent["code"], sent["field"]) == ("REQUIRED", "phone")


@pytest.mark.parametrize("purpose", ["RECOVER_PASSWORD", "CHANGE_PHONE_OLD", "CANCEL_ACCOUNT"])
async def test_purposes_for_phones_on_record_cannot_be_sent_to_a_typed_phone(api, purpose):
    await api.assert_purpose_refused(purpose, "15012340058")  # INVALID_PURPOSE on "purpose" in the service


def test_the_schema_offers_exactly_the_purposes_a_typed_phone_may_get():
    assert {purpose.value for purpose in PhoneCodePurpose} == {purpose.value for purpose in TO_TYPED_PHONE}
