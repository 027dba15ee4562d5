"""P9b through HTTP: the owner of an ID number takes the account back; the impostor's ways in all die."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.support import PASSWORD, resident_id, staff_token
from uidp.models.binding import ExternalBinding
from uidp.models.person import Person
from uidp.models.review import ReviewCase
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio

START = """mutation($i: StartCertificateAppealInput!){ startCertificateAppeal(input: $i) { __typename
  ... on CertificateAppealStarted { ticket maskedCertificateNumber } ... on Error { code field } } }"""
SUBMIT = """mutation($i: SubmitCertificateAppealInput!){ submitCertificateAppeal(input: $i) { __typename
  ... on AppealSubmitted { caseId } ... on Error { code message field } } }"""
DECIDE = """mutation($i: DecideReviewCaseInput!){ decideReviewCase(input: $i) { __typename
  ... on ReviewCaseDecided { case { status } } ... on Error { code message } } }"""
IMPOSTOR_PHONE = "15012340058"
NEW_PHONE = "15012347777"
NEW_PASSWORD = "Owner#2026back"
MATCH_CARD = "6217000000000000012"


@pytest.fixture
async def occupied(api):
    """An impostor registered the owner's ID number with the impostor's phone 150...0058."""
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered"
    token = (await api.login(IMPOSTOR_PHONE))["token"]
    api.client.cookies.clear()
    return token


async def start(api, number=None):
    captcha_id, answer = await api.captcha()
    variables = {
        "certificateType": "RESIDENT_ID",
        "certificateNumber": number or resident_id(),
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    return (await api.data(START, {"i": variables}))["startCertificateAppeal"]


def form(ticket, code, **overrides):
    values = {
        "ticket": ticket,
        "cardNumber": MATCH_CARD,
        "newPhone": NEW_PHONE,
        "smsCode": code,
        "newPassword": NEW_PASSWORD,
        "newPasswordConfirmation": NEW_PASSWORD,
    }
    values.update(overrides)
    return {"i": values}


async def submit(api, ticket, code, **overrides):
    return (await api.data(SUBMIT, form(ticket, code, **overrides)))["submitCertificateAppeal"]


async def login(api, identifier, password=PASSWORD):
    api.client.cookies.clear()
    return await api.login(identifier, password)


async def test_approval_kills_the_impostors_credential(api, rt, occupied):
    impostor = await Person.get()
    await ExternalBinding.create(
        id=uuid.uuid4(),
        provider="alipay",
        subject_index="x" * 32,
        subject_kind="person",
        subject_id=impostor.id,
        created_at=rt.clock.now(),
    )
    second_session = (await login(api, resident_id()))["token"]
    started = await start(api)
    assert started["maskedCertificateNumber"] == "***********" + resident_id()[-4:]
    submitted = await submit(api, started["ticket"], await api.code_for("APPEAL", NEW_PHONE))
    assert submitted["__typename"] == "AppealSubmitted", submitted
    reviewer = await staff_token(rt, "reviewer")
    await api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer)
    assert "新密码" in sandbox_messages(rt, phone=NEW_PHONE, limit=1)[0]["text"]
    # every session of the impostor is over, and their password opens nothing any more
    api.client.cookies.clear()
    assert await api.me(occupied) is None and await api.me(second_session) is None
    assert (await login(api, resident_id()))["code"] == "INVALID_CREDENTIALS"
    assert (await login(api, IMPOSTOR_PHONE))["code"] == "INVALID_CREDENTIALS"
    assert (await login(api, NEW_PHONE))["code"] == "INVALID_CREDENTIALS"
    assert not await ExternalBinding.filter(subject_id=impostor.id).exists()
    # only the appellant's new password works, with the new phone or the ID number
    owner = await login(api, NEW_PHONE, NEW_PASSWORD)
    assert owner["__typename"] == "LoginSuccess" and owner["viewer"]["id"] == str(impostor.id)
    assert (await login(api, resident_id(), NEW_PASSWORD))["__typename"] == "LoginSuccess"


async def test_a_stranger_who_knows_the_id_number_gets_no_case(api, occupied):
    """Without a bank card of the account's identity reserved on their phone, a stranger cannot appeal."""
    started = await start(api)
    code = await api.code_for("APPEAL", NEW_PHONE)
    refused = await submit(api, started["ticket"], code, cardNumber="6217000000000000129")  # 证件号码不一致
    assert (refused["code"], refused["field"]) == ("BANK_CHECK_FAILED", "cardNumber")
    assert (await submit(api, started["ticket"], code))["code"] == "SMS_CODE_INVALID"  # one card per code
    assert await ReviewCase.all().count() == 0
    assert (await login(api, IMPOSTOR_PHONE))["__typename"] == "LoginSuccess"
    assert (await login(api, NEW_PHONE, NEW_PASSWORD))["code"] == "INVALID_CREDENTIALS"


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("6217000000000000013", "INVALID_BANK_CARD"),
        ("6217000000000000111", "BANK_CHECK_FAILED"),
        ("6217000000000000210", "BANK_CHECK_FAILED"),
        ("6217000000000000996", "VERIFIER_UNAVAILABLE"),
    ],
)
async def test_certificate_appeal_bank_check(api, occupied, card, code):
    started = await start(api)
    result = await submit(api, started["ticket"], await api.code_for("APPEAL", NEW_PHONE), cardNumber=card)
    assert (result["code"], result["field"]) == (code, "cardNumber")
    assert await ReviewCase.all().count() == 0


async def test_certificate_appeal_steps(api, occupied):
    forged = await submit(api, "forged", "123456")
    assert forged["code"] == "STEP_INVALID"
    started = await start(api)
    weak = await submit(api, started["ticket"], "123456", newPassword="weak", newPasswordConfirmation="weak")
    assert weak["code"] == "WEAK_PASSWORD"
    code = await api.code_for("APPEAL", NEW_PHONE)
    ok = await submit(api, started["ticket"], code)
    assert ok["__typename"] == "AppealSubmitted", ok
    assert (await submit(api, started["ticket"], code))["code"] == "STEP_INVALID"


async def test_a_taken_new_phone_is_told_after_its_code(api, occupied):
    started = await start(api)
    hidden = await submit(api, started["ticket"], "000000", newPhone=IMPOSTOR_PHONE)
    assert hidden["code"] == "SMS_CODE_INVALID"
    taken = await submit(api, started["ticket"], await api.code_for("APPEAL", IMPOSTOR_PHONE), newPhone=IMPOSTOR_PHONE)
    assert (taken["code"], taken["field"]) == ("PHONE_TAKEN", "newPhone")


async def test_known_and_unknown_numbers_answer_alike(api, occupied):
    """1.5: step 1 gives every number a ticket; only the new phone's code unlocks "not registered"."""
    known, unknown = await start(api), await start(api, resident_id(seq="777"))
    assert known.keys() == unknown.keys() and unknown["__typename"] == "CertificateAppealStarted"
    assert unknown["maskedCertificateNumber"] == "***********" + resident_id(seq="777")[-4:]
    assert await submit(api, known["ticket"], "000000") == await submit(api, unknown["ticket"], "000000")
    code = await api.code_for("APPEAL", NEW_PHONE)
    told = await submit(api, unknown["ticket"], code)
    assert (told["code"], told["field"]) == ("APPEAL_NOT_APPLICABLE", "ticket")
    assert (await submit(api, known["ticket"], code))["code"] == "SMS_CODE_INVALID"  # that answer spent the code


async def test_two_concurrent_submits_with_one_ticket_open_one_case(api, occupied):
    """The ticket is spent with the store's atomic take, last in the case's transaction: exactly one wins."""
    started = await start(api)
    phones = ("15012347777", "15012348888")
    codes = [await api.code_for("APPEAL", phone) for phone in phones]
    answers = await asyncio.gather(
        *(submit(api, started["ticket"], code, newPhone=phone) for phone, code in zip(phones, codes, strict=True))
    )
    assert sorted(a["__typename"] for a in answers) == ["AppealSubmitted", "FieldError"], answers
    [loser] = [a for a in answers if a["__typename"] == "FieldError"]
    # the loser met the spent ticket, or the winner's pending case if it got there first
    assert loser["code"] in ("STEP_INVALID", "ALREADY_EXISTS"), loser
    assert await ReviewCase.all().count() == 1
    again = await submit(api, started["ticket"], await api.code_for("APPEAL", "15012349999"), newPhone="15012349999")
    assert (again["code"], again["field"]) == ("STEP_INVALID", "ticket")
