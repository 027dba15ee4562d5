"""P9a through HTTP, decided in the review queue (A1): only ever the appellant's own new account."""

from __future__ import annotations

import asyncio

import pytest

from tests.graph.test_manual_registration import PNG, upload
from tests.support import PASSWORD, resident_id, staff_token
from uidp.models.audit import AuditEvent
from uidp.models.person import Person
from uidp.models.review import ReviewCase
from uidp.models.upload import Upload
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio

PHONE_APPEAL = """mutation($i: SubmitPhoneAppealInput!){ submitPhoneAppeal(input: $i) { __typename
  ... on AppealSubmitted { caseId dueAt } ... on AppealRedirected { route } ... on Error { code message field } } }"""
DECIDE = """mutation($i: DecideReviewCaseInput!){ decideReviewCase(input: $i) { __typename
  ... on ReviewCaseDecided { case { status } } ... on Error { code message field } } }"""
CASE = """query($id: ID!){ reviewCase(id: $id) { kind summary claimedCertificateNumber documents { kind url }
  phoneAppeal { maskedPhone maskedClaimedName claimedCertificateType proof maskedBankCard
    losingAccount { personId maskedName maskedCertificateNumber status level } } } }"""
NOTICES = """{ me { ... on PersonAccount { maskedPhone notices { id kind message } } } }"""
ACK = """mutation($id: ID!){ acknowledgeNotice(input: {noticeId: $id}) { __typename ... on Error { code field } } }"""
LOGIN = """mutation($i: LoginWithPasswordInput!){ loginWithPassword(input: $i) { __typename
  ... on LoginSuccess { token notices { id kind message } viewer { ... on PersonAccount { maskedName maskedPhone } } }
  ... on Error { code } } }"""
CHANGE_PHONE = """mutation($i: ChangePhoneInput!){ changePhone(input: $i) { __typename
  ... on PhoneChanged { account { maskedPhone } } ... on Error { code field } } }"""
PHONE = "15012340058"
APPELLANT_ID = resident_id(seq="555")
NEW_PASSWORD = "Appeal#2026ok"
MATCH_CARD = "6217000000000000012"
CERTIFICATE_MISMATCH_CARD = "6217000000000000129"  # sandbox scenario 12: 证件号码不一致


def phone_appeal(code, **overrides):
    form = {
        "phone": PHONE,
        "smsCode": code,
        "certificateType": "RESIDENT_ID",
        "contactName": "王真",
        "contactCertificateNumber": APPELLANT_ID,
        "newPassword": NEW_PASSWORD,
        "newPasswordConfirmation": NEW_PASSWORD,
        "cardNumber": MATCH_CARD,
    }
    form.update(overrides)
    return {"i": form}


async def submit(api, code, **overrides):
    return (await api.data(PHONE_APPEAL, phone_appeal(code, **overrides)))["submitPhoneAppeal"]


async def login(api, identifier, password=PASSWORD):
    api.client.cookies.clear()
    return (await api.data(LOGIN, {"i": {"identifier": identifier, "password": password}}))["loginWithPassword"]


@pytest.fixture
async def occupied(api):
    """Someone registered with 150...0058, a phone that really belongs to the appellant."""
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered"
    token = (await api.login(PHONE))["token"]
    api.client.cookies.clear()
    return token


async def test_phone_appeal_with_a_bank_card_makes_the_appellant_an_account(api, rt, occupied):
    code = await api.code_for("APPEAL", PHONE)
    submitted = await submit(api, code)
    assert submitted["__typename"] == "AppealSubmitted", submitted
    assert (await submit(api, code))["code"] == "SMS_CODE_INVALID"  # the code was spent
    reviewer = await staff_token(rt, "reviewer")
    case = (await api.data(CASE, {"id": submitted["caseId"]}, token=reviewer))["reviewCase"]
    facts = case["phoneAppeal"]
    assert (facts["maskedClaimedName"], case["claimedCertificateNumber"], facts["proof"]) == (
        "王*",
        APPELLANT_ID,
        "BANK_CARD",
    )
    assert facts["maskedPhone"] == "150****0058" and facts["maskedBankCard"].endswith("0012")
    holder = await Person.get(phone_index=rt.blind.digest("phone", PHONE))
    assert facts["losingAccount"] == {
        "personId": str(holder.id),
        "maskedName": "陈*",
        "maskedCertificateNumber": "***********" + resident_id()[-4:],
        "status": "ACTIVE",
        "level": 1,
    }
    decided = await api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer)
    assert decided["decideReviewCase"]["case"]["status"] == "APPROVED"
    assert "申诉已通过" in sandbox_messages(rt, phone=PHONE, limit=1)[0]["text"]
    # the appellant has a new account of their own, with the phone and the password they chose
    appellant = await login(api, PHONE, NEW_PASSWORD)
    assert appellant["viewer"] == {"maskedName": "王*", "maskedPhone": "150****0058"}, appellant
    assert (await login(api, APPELLANT_ID, NEW_PASSWORD))["__typename"] == "LoginSuccess"
    # the old holder keeps their account and password, loses the phone and every session, and is told
    assert await api.me(occupied) is None
    old = await login(api, resident_id())
    assert old["__typename"] == "LoginSuccess" and old["viewer"]["maskedPhone"] == ""
    assert [n["kind"] for n in old["notices"]] == ["PHONE_MOVED_BY_APPEAL"]
    assert "150****0058" in old["notices"][0]["message"]
    assert await AuditEvent.filter(event_type="person.phone_lost_to_appeal", subject_id=str(holder.id)).exists()
    token = old["token"]
    assert (await api.data(NOTICES, token=token))["me"]["notices"] == old["notices"]
    assert (await api.data(NOTICES, token=appellant["token"]))["me"]["notices"] == []
    other = await api.data(ACK, {"id": old["notices"][0]["id"]}, token=appellant["token"])
    assert other["acknowledgeNotice"]["code"] == "NOT_FOUND"  # someone else's notice
    acked = await api.data(ACK, {"id": old["notices"][0]["id"]}, token=token)
    assert acked["acknowledgeNotice"]["__typename"] == "NoticeAcknowledged"
    assert (await api.data(NOTICES, token=token))["me"]["notices"] == []
    await binds_a_new_phone(api, token)


async def binds_a_new_phone(api, token):
    """1.10: with no phone on record, changePhone takes the password instead of the old phone's code."""
    my_code = (
        """mutation { sendMyPhoneCode(input: {purpose: CHANGE_PHONE_OLD}) { __typename ... on Error { code } } }"""
    )
    assert (await api.data(my_code, token=token))["sendMyPhoneCode"]["code"] == "PHONE_NOT_BOUND"
    new_code = await api.code_for("CHANGE_PHONE_NEW", "15012349999")
    form = {"newPhone": "15012349999", "newPhoneCode": new_code, "currentPassword": "Wrong#2026pw"}
    wrong = (await api.data(CHANGE_PHONE, {"i": form}, token=token))["changePhone"]
    assert (wrong["code"], wrong["field"]) == ("WRONG_PASSWORD", "currentPassword")
    other_token = (await login(api, resident_id()))["token"]
    changed = (await api.data(CHANGE_PHONE, {"i": {**form, "currentPassword": PASSWORD}}, token=token))["changePhone"]
    assert changed == {"__typename": "PhoneChanged", "account": {"maskedPhone": "150****9999"}}
    api.client.cookies.clear()
    assert await api.me(other_token) is None
    assert (await api.me(token))["maskedPhone"] == "150****9999"


async def test_a_stranger_naming_the_victim_cannot_touch_the_account(api, rt):
    """The attack of issue 7: a stranger proves a phone they hold and names the victim's name and ID number."""
    victim = await api.register(api.id_card_form(phone="15012340060"))
    assert victim["__typename"] == "PersonRegistered"
    stranger = await api.register(api.id_card_form(name="贾某", certificateNumber=resident_id(seq="777")))
    assert stranger["__typename"] == "PersonRegistered"  # holds 150...0058 on an account of their own
    api.client.cookies.clear()
    code = await api.code_for("APPEAL", PHONE)
    attack = await submit(api, code, contactName="陈心", contactCertificateNumber=resident_id())
    assert (attack["__typename"], attack["route"], attack["field"]) == (
        "AppealRedirected",
        "CERTIFICATE_APPEAL",
        "contactCertificateNumber",
    )
    assert attack["code"] == "CERTIFICATE_HAS_ACCOUNT"
    assert (await submit(api, code, contactName="陈心", contactCertificateNumber=resident_id()))["code"] == (
        "SMS_CODE_INVALID"  # each such answer costs a fresh code
    )
    assert await ReviewCase.all().count() == 0
    assert (await login(api, "15012340060"))["__typename"] == "LoginSuccess"  # the victim's password works
    assert (await login(api, resident_id(), NEW_PASSWORD))["code"] == "INVALID_CREDENTIALS"


async def test_a_stranger_without_proof_of_the_claim_gets_no_case(api, occupied):
    """A new certificate still needs its proof: a card of someone else's identity does not match."""
    code = await api.code_for("APPEAL", PHONE)
    refused = await submit(api, code, cardNumber=CERTIFICATE_MISMATCH_CARD)
    assert (refused["code"], refused["field"]) == ("BANK_CHECK_FAILED", "cardNumber")
    no_proof = await submit(api, code, cardNumber=None)
    assert (no_proof["code"], no_proof["field"]) == ("UPLOAD_REQUIRED", "documents.certificateFront")
    assert (await submit(api, code))["code"] == "SMS_CODE_INVALID"  # a failed provider check spent the code
    assert await ReviewCase.all().count() == 0
    assert (await login(api, PHONE))["__typename"] == "LoginSuccess"


async def test_phone_appeal_with_documents_the_reviewer_sees(api, client, rt, occupied):
    ids = {}
    for kind in ("CERTIFICATE_FRONT", "CERTIFICATE_BACK"):
        ids[kind] = (await upload(client, kind, PNG)).json()["data"]["uploadDocument"]["id"]
    code = await api.code_for("APPEAL", PHONE)
    documents = {"certificateFront": ids["CERTIFICATE_FRONT"], "certificateBack": ids["CERTIFICATE_BACK"]}
    submitted = await submit(api, code, cardNumber=None, documents=documents)
    assert submitted["__typename"] == "AppealSubmitted", submitted
    reviewer = await staff_token(rt, "reviewer")
    case = (await api.data(CASE, {"id": submitted["caseId"]}, token=reviewer))["reviewCase"]
    assert case["phoneAppeal"]["proof"] == "DOCUMENTS" and case["phoneAppeal"]["maskedBankCard"] is None
    assert sorted(d["kind"] for d in case["documents"]) == ["CERTIFICATE_BACK", "CERTIFICATE_FRONT"]
    photo = await client.get(case["documents"][0]["url"], headers={"authorization": f"Bearer {reviewer}"})
    assert photo.status_code == 200 and photo.content == PNG
    reject = {"caseId": submitted["caseId"], "approve": False, "reason": "证件照片不清晰"}
    assert (await api.data(DECIDE, {"i": reject}, token=reviewer))["decideReviewCase"]["case"]["status"] == "REJECTED"
    assert await Upload.all().count() == 0  # a refused appeal's photos are deleted
    assert "证件照片不清晰" in sandbox_messages(rt, phone=PHONE, limit=1)[0]["text"]
    assert (await login(api, PHONE))["__typename"] == "LoginSuccess"  # the holder keeps everything


async def test_phone_appeal_answers_alike_before_the_code(api, occupied):
    """1.5: with a wrong code, a free phone, a taken one and a certificate with an account look the same."""
    answers = [
        await submit(api, "000000", phone="15012340059"),
        await submit(api, "000000"),
        await submit(api, "000000", contactCertificateNumber=resident_id()),
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["code"] == "SMS_CODE_INVALID"


async def test_phone_appeal_bad_input(api, occupied):
    free = await api.code_for("APPEAL", "15012340059")
    not_taken = await submit(api, free, phone="15012340059")
    assert (not_taken["code"], not_taken["field"]) == ("APPEAL_NOT_APPLICABLE", "phone")
    code = await api.code_for("APPEAL", PHONE)
    weak = await submit(api, code, newPassword="weak", newPasswordConfirmation="weak")
    assert weak["code"] == "WEAK_PASSWORD"
    bad_id = await submit(api, code, contactCertificateNumber="123")
    assert bad_id["field"] == "contactCertificateNumber"
    bad_card = await submit(api, code, cardNumber="6217000000000000013")
    assert (bad_card["code"], bad_card["field"]) == ("INVALID_BANK_CARD", "cardNumber")
    own = await submit(api, code, contactName="陈心", contactCertificateNumber=resident_id())
    assert (own["__typename"], own["route"]) == ("AppealRedirected", "RECOVER_PASSWORD")
    assert await ReviewCase.all().count() == 0


async def test_one_pending_appeal_per_phone(api, rt, clock, occupied):
    rt.settings.sms_resend_seconds = 1
    first = await submit(api, await api.code_for("APPEAL", PHONE))
    assert first["__typename"] == "AppealSubmitted"
    clock.advance(1.2)
    await asyncio.sleep(1.2)  # a Redis store keeps real time
    second = await submit(api, await api.code_for("APPEAL", PHONE), contactCertificateNumber=resident_id(seq="556"))
    assert second["code"] == "ALREADY_EXISTS"
    assert await ReviewCase.all().count() == 1


async def test_approval_never_writes_onto_an_account_that_appeared_meanwhile(api, rt, occupied):
    submitted = await submit(api, await api.code_for("APPEAL", PHONE))
    assert submitted["__typename"] == "AppealSubmitted"
    # the appellant's certificate gets an account (with another phone) before the reviewer decides
    late = await api.register(api.id_card_form(name="王真", certificateNumber=APPELLANT_ID, phone="15012340061"))
    assert late["__typename"] == "PersonRegistered"
    reviewer = await staff_token(rt, "reviewer")
    refused = await api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer)
    assert (refused["decideReviewCase"]["code"], refused["decideReviewCase"]["field"]) == (
        "CERTIFICATE_TAKEN",
        "caseId",
    )
    assert (await ReviewCase.get(id=submitted["caseId"])).status == "PENDING"
    assert (await login(api, PHONE))["__typename"] == "LoginSuccess"  # the holder is untouched
    assert (await login(api, "15012340061"))["__typename"] == "LoginSuccess"
    assert (await login(api, APPELLANT_ID, NEW_PASSWORD))["code"] == "INVALID_CREDENTIALS"


async def test_approval_racing_a_registration_of_the_claimed_certificate(api, rt, occupied):
    """Approval and a registration of the appellant's certificate at once: one account, never a merge."""
    submitted = await submit(api, await api.code_for("APPEAL", PHONE))
    reviewer = await staff_token(rt, "reviewer")
    code = await api.code_for("REGISTER", "15012340061")
    form = api.id_card_form(name="王真", certificateNumber=APPELLANT_ID, phone="15012340061", smsCode=code)
    decided, registered = await asyncio.gather(
        api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer),
        api.register(form, with_code=False),
    )
    outcomes = (decided["decideReviewCase"]["__typename"], registered["__typename"])
    assert outcomes in (("ReviewCaseDecided", "AccountConflict"), ("FieldError", "PersonRegistered")), outcomes
    assert await Person.filter(certificate_index=rt.blind.digest("certificate:RESIDENT_ID", APPELLANT_ID)).count() == 1
    if registered["__typename"] == "PersonRegistered":
        assert (await login(api, APPELLANT_ID, NEW_PASSWORD))["code"] == "INVALID_CREDENTIALS"
        assert (await login(api, PHONE))["__typename"] == "LoginSuccess"  # the holder kept the phone
    else:
        assert (await login(api, APPELLANT_ID, NEW_PASSWORD))["__typename"] == "LoginSuccess"
