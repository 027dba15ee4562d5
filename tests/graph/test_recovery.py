"""P8 through HTTP: the three steps, their order, replay, and unknown persons answering like known ones."""

from __future__ import annotations

import re

import pytest

from tests.support import PASSWORD, resident_id

pytestmark = pytest.mark.anyio
PHONE = "15012340058"
NEW_PASSWORD = "Wuhan@2027new"

START = """mutation($i: StartPasswordRecoveryInput!) { startPasswordRecovery(input: $i) { __typename
  ... on RecoveryStarted { ticket maskedPhone expiresAt lostPhoneHint }
  ... on Error { code message field } } }"""
SEND = """mutation($i: SendRecoveryCodeInput!) { sendRecoveryCode(input: $i) { __typename
  ... on SmsCodeSent { maskedPhone expiresAt resendAfter }
  ... on RateLimited { retryAfterSeconds }
  ... on Error { code message field } } }"""
COMPLETE = """mutation($i: CompletePasswordRecoveryInput!) { completePasswordRecovery(input: $i) { __typename
  ... on PasswordRecovered { ok }
  ... on Error { code message field } } }"""


async def start(api, name="陈心", number=None):
    captcha_id, answer = await api.captcha()
    form = {
        "name": name,
        "certificateType": "RESIDENT_ID",
        "certificateNumber": number or resident_id(),
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    return (await api.data(START, {"i": form}))["startPasswordRecovery"]


async def send(api, ticket):
    return (await api.data(SEND, {"i": {"ticket": ticket}}))["sendRecoveryCode"]


async def complete(api, ticket, code, password=NEW_PASSWORD, confirmation=None):
    form = {
        "ticket": ticket,
        "smsCode": code,
        "newPassword": password,
        "newPasswordConfirmation": confirmation or password,
    }
    return (await api.data(COMPLETE, {"i": form}))["completePasswordRecovery"]


@pytest.fixture
async def token(api):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    return (await api.login(PHONE))["token"]


async def test_recover_password_in_three_steps(api, token):
    started = await start(api)
    assert started["__typename"] == "RecoveryStarted", started
    assert started["maskedPhone"] == "150****0058" and "电子社保卡" in started["lostPhoneHint"]
    sent = await send(api, started["ticket"])
    assert sent == {**sent, "__typename": "SmsCodeSent", "maskedPhone": "150****0058"}
    done = await complete(api, started["ticket"], api.last_code(PHONE))
    assert done == {"__typename": "PasswordRecovered", "ok": True}
    assert await api.me(token) is None  # every session ended
    assert (await api.login(PHONE))["__typename"] == "LoginFailed"
    assert (await api.login(PHONE, NEW_PASSWORD))["__typename"] == "LoginSuccess"


async def test_wrong_step_order_and_replay(api, token):
    started = await start(api)
    skipped = await complete(api, started["ticket"], "123456")
    assert (skipped["code"], skipped["field"]) == ("STEP_INVALID", "smsCode")
    await send(api, started["ticket"])
    code = api.last_code(PHONE)
    assert (await complete(api, started["ticket"], code))["__typename"] == "PasswordRecovered"
    replay = await complete(api, started["ticket"], code, "Other#2027pw")
    assert (replay["code"], replay["field"]) == ("STEP_INVALID", "ticket")
    assert "重新开始" in replay["message"]
    assert (await send(api, started["ticket"]))["code"] == "STEP_INVALID"
    assert (await api.login(PHONE, NEW_PASSWORD))["__typename"] == "LoginSuccess"
    forged = await send(api, "forged-ticket")
    assert forged["code"] == "STEP_INVALID"


async def test_unknown_person_answers_like_a_known_one(api, token):
    known = await start(api)
    unknown = await start(api, number=resident_id(seq="131"))
    wrong_name = await start(api, name="王五")
    shape = re.compile(r"^1[3-9]\d\*{4}\d{4}$")
    for started in (known, unknown, wrong_name):
        assert started["__typename"] == "RecoveryStarted"
        assert shape.match(started["maskedPhone"]) and set(started) == set(known)
    assert (await start(api, number=resident_id(seq="131")))["maskedPhone"] == unknown["maskedPhone"]
    for started in (unknown, wrong_name):
        sent = await send(api, started["ticket"])
        assert sent["__typename"] == "SmsCodeSent" and sent["maskedPhone"] == started["maskedPhone"]
        again = await send(api, started["ticket"])
        assert again["__typename"] == "RateLimited" and again["code"] == "SMS_TOO_FREQUENT"
        failed = await complete(api, started["ticket"], "123456")
        assert (failed["code"], failed["field"]) == ("SMS_CODE_INVALID", "smsCode")
    assert await api.me(token) is not None  # nothing happened to the real account


async def test_bad_input(api, token):
    bad_captcha = (
        await api.data(
            START,
            {
                "i": {
                    "name": "陈心",
                    "certificateType": "RESIDENT_ID",
                    "certificateNumber": resident_id(),
                    "captchaId": "x",
                    "captchaAnswer": "y",
                }
            },
        )
    )["startPasswordRecovery"]
    assert bad_captcha["code"] == "CAPTCHA_INVALID"
    bad_id = await start(api, number="12345")
    assert (bad_id["code"], bad_id["field"]) == ("INVALID_ID_NUMBER", "certificateNumber")
    started = await start(api)
    await send(api, started["ticket"])
    weak = await complete(api, started["ticket"], api.last_code(PHONE), "Ab#" + PHONE)
    assert (weak["code"], weak["field"]) == ("WEAK_PASSWORD", "newPassword")
    mismatch = await complete(api, started["ticket"], api.last_code(PHONE), NEW_PASSWORD, NEW_PASSWORD + "1")
    assert (mismatch["code"], mismatch["field"]) == ("PASSWORD_MISMATCH", "newPasswordConfirmation")
    assert (await api.login(PHONE, PASSWORD))["__typename"] == "LoginSuccess"
