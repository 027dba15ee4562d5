"""P9a and P9b through HTTP, decided in the review queue (A1)."""

from __future__ import annotations

import pytest

from tests.support import resident_id, staff_token
from uidp.models.review import ReviewCase
from uidp.services.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio

PHONE_APPEAL = """mutation($i: SubmitPhoneAppealInput!){ submitPhoneAppeal(input: $i) { __typename
  ... on AppealSubmitted { caseId dueAt } ... on Error { code message field } } }"""
START = """mutation($i: StartCertificateAppealInput!){ startCertificateAppeal(input: $i) { __typename
  ... on CertificateAppealStarted { ticket maskedName maskedCertificateNumber } ... on Error { code field } } }"""
SUBMIT = """mutation($i: SubmitCertificateAppealInput!){ submitCertificateAppeal(input: $i) { __typename
  ... on AppealSubmitted { caseId } ... on Error { code message field } } }"""
DECIDE = """mutation($i: DecideReviewCaseInput!){ decideReviewCase(input: $i) { __typename
  ... on ReviewCaseDecided { case { status } } ... on Error { code message } } }"""
BIND = """mutation($i: BindNewPhoneInput!){ bindNewPhone(input: $i) { __typename ... on Error { code field } } }"""
APPELLANT_ID = resident_id(seq="555")
NEW_PASSWORD = "Appeal#2026ok"
MATCH_CARD = "6217000000000000012"


def phone_appeal(code, **overrides):
    form = {
        "phone": "15012340058",
        "smsCode": code,
        "certificateType": "RESIDENT_ID",
        "contactName": "王真",
        "contactCertificateNumber": APPELLANT_ID,
        "newPassword": NEW_PASSWORD,
        "newPasswordConfirmation": NEW_PASSWORD,
    }
    form.update(overrides)
    return {"i": form}


@pytest.fixture
async def occupied(api):
    """Someone registered with 150...0058, a phone that really belongs to the appellant."""
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered"
    return (await api.login("15012340058"))["token"]


async def test_phone_appeal_moves_the_phone(api, rt, occupied):
    api.client.cookies.clear()
    code = await api.code_for("APPEAL", "15012340058")
    submitted = (await api.data(PHONE_APPEAL, phone_appeal(code)))["submitPhoneAppeal"]
    assert submitted["__typename"] == "AppealSubmitted", submitted
    again = (await api.data(PHONE_APPEAL, phone_appeal(code)))["submitPhoneAppeal"]
    assert again["code"] == "SMS_CODE_INVALID"  # the code was spent
    reviewer = await staff_token(rt, "reviewer")
    decided = await api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer)
    assert decided["decideReviewCase"]["case"]["status"] == "APPROVED"
    assert "申诉已通过" in sandbox_messages(rt, phone="15012340058", limit=1)[0]["text"]
    # the appellant logs in with the phone and the password set in the appeal; the old holder's sessions ended
    login = await api.login("15012340058", NEW_PASSWORD)
    assert login["__typename"] == "LoginSuccess", login
    assert login["viewer"]["maskedPhone"] == "150****0058"
    api.client.cookies.clear()
    assert await api.me(occupied) is None
    # the old holder logs in with the ID number, has no phone, and binds a new one
    old = (await api.login(resident_id()))["token"]
    assert (await api.me(old))["maskedPhone"] == ""
    bind_code = await api.code_for("CHANGE_PHONE_NEW", "15012349999")
    bound = await api.data(BIND, {"i": {"newPhone": "15012349999", "smsCode": bind_code}}, token=old)
    assert bound["bindNewPhone"]["__typename"] == "PhoneBound"
    assert (await api.me(old))["maskedPhone"] == "150****9999"


async def test_phone_appeal_bad_input(api, occupied):
    api.client.cookies.clear()
    free = await api.code_for("APPEAL", "15012340059")
    not_taken = (await api.data(PHONE_APPEAL, phone_appeal(free, phone="15012340059")))["submitPhoneAppeal"]
    assert (not_taken["code"], not_taken["field"]) == ("APPEAL_NOT_APPLICABLE", "phone")
    code = await api.code_for("APPEAL", "15012340058")
    own = await api.data(PHONE_APPEAL, phone_appeal(code, contactCertificateNumber=resident_id()))
    assert own["submitPhoneAppeal"]["code"] == "APPEAL_NOT_APPLICABLE"
    weak = await api.data(PHONE_APPEAL, phone_appeal(code, newPassword="weak", newPasswordConfirmation="weak"))
    assert weak["submitPhoneAppeal"]["code"] == "WEAK_PASSWORD"
    bad_id = await api.data(PHONE_APPEAL, phone_appeal(code, contactCertificateNumber="123"))
    assert bad_id["submitPhoneAppeal"]["field"] == "contactCertificateNumber"
    assert (await api.data(PHONE_APPEAL, phone_appeal(code)))["submitPhoneAppeal"]["__typename"] == "AppealSubmitted"
    # one pending appeal per phone
    assert await ReviewCase.all().count() == 1


async def start_certificate_appeal(api, number=None):
    captcha_id, answer = await api.captcha()
    variables = {
        "certificateType": "RESIDENT_ID",
        "certificateNumber": number or resident_id(),
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    return (await api.data(START, {"i": variables}))["startCertificateAppeal"]


async def test_certificate_appeal_replaces_the_phone(api, rt, occupied):
    api.client.cookies.clear()
    started = await start_certificate_appeal(api)
    assert (started["maskedName"], started["maskedCertificateNumber"]) == ("陈*", "***********" + resident_id()[-4:])
    code = await api.code_for("APPEAL", "15012347777")
    variables = {"ticket": started["ticket"], "cardNumber": MATCH_CARD, "newPhone": "15012347777", "smsCode": code}
    submitted = (await api.data(SUBMIT, {"i": variables}))["submitCertificateAppeal"]
    assert submitted["__typename"] == "AppealSubmitted", submitted
    reviewer = await staff_token(rt, "reviewer")
    await api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer)
    assert await api.me(occupied) is None  # the impostor's session is over
    assert "找回密码" in sandbox_messages(rt, phone="15012347777", limit=1)[0]["text"]
    # the old phone no longer names the account; the new one does (the owner now recovers the password)
    assert (await api.login("15012340058"))["code"] == "INVALID_CREDENTIALS"
    assert (await api.login("15012347777"))["__typename"] == "LoginSuccess"  # impostor's password, until recovery


@pytest.mark.parametrize(
    ("card", "code", "field"),
    [
        ("6217000000000000013", "INVALID_BANK_CARD", "cardNumber"),
        ("6217000000000000111", "BANK_CHECK_FAILED", "cardNumber"),
        ("6217000000000000210", "BANK_CHECK_FAILED", "cardNumber"),
        ("6217000000000000996", "VERIFIER_UNAVAILABLE", "cardNumber"),
    ],
)
async def test_certificate_appeal_bank_check(api, occupied, card, code, field):
    api.client.cookies.clear()
    started = await start_certificate_appeal(api)
    sms = await api.code_for("APPEAL", "15012347777")
    variables = {"ticket": started["ticket"], "cardNumber": card, "newPhone": "15012347777", "smsCode": sms}
    result = (await api.data(SUBMIT, {"i": variables}))["submitCertificateAppeal"]
    assert (result["code"], result["field"]) == (code, field)
    assert await ReviewCase.all().count() == 0


async def test_certificate_appeal_steps(api, occupied):
    api.client.cookies.clear()
    unknown = await start_certificate_appeal(api, resident_id(seq="777"))
    assert unknown["code"] == "APPEAL_NOT_APPLICABLE"
    forged = {"ticket": "forged", "cardNumber": MATCH_CARD, "newPhone": "15012347777", "smsCode": "123456"}
    assert (await api.data(SUBMIT, {"i": forged}))["submitCertificateAppeal"]["code"] == "STEP_INVALID"
    started = await start_certificate_appeal(api)
    taken = {"ticket": started["ticket"], "cardNumber": MATCH_CARD, "newPhone": "15012340058", "smsCode": "123456"}
    assert (await api.data(SUBMIT, {"i": taken}))["submitCertificateAppeal"]["code"] == "PHONE_TAKEN"
    code = await api.code_for("APPEAL", "15012347777")
    ok = {"ticket": started["ticket"], "cardNumber": MATCH_CARD, "newPhone": "15012347777", "smsCode": code}
    assert (await api.data(SUBMIT, {"i": ok}))["submitCertificateAppeal"]["__typename"] == "AppealSubmitted"
    replay = (await api.data(SUBMIT, {"i": ok}))["submitCertificateAppeal"]
    assert replay["code"] == "STEP_INVALID"
