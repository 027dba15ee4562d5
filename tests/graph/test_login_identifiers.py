"""P3/P1e through HTTP: one identifier space for person logins; login never picks between two accounts."""

from __future__ import annotations

import asyncio

import pytest

from tests.graph.test_manual_registration import passport_form, upload_documents
from tests.support import resident_id, staff_token
from uidp.models.audit import AuditEvent
from uidp.models.person import Person, PersonStatus
from uidp.services.persons.activation import ActivationService

pytestmark = pytest.mark.anyio

CASE = """query($id: ID!){ reviewCase(id: $id) { id kind summary claimedCertificateNumber } }"""
QUEUE = "{ reviewQueue { edges { node { id claimedCertificateNumber summary } } } }"
DECIDE = """mutation($i: DecideReviewCaseInput!){ decideReviewCase(input: $i) { __typename
  ... on ReviewCaseDecided { case { status } } ... on Error { code message field } } }"""


async def register_manual(api, client, certificate_type, number, phone):
    form = passport_form(certificateType=certificate_type, certificateNumber=number, phone=phone)
    return await api.register({**form, "documents": await upload_documents(client)})


@pytest.mark.parametrize("certificate_type", ["FOREIGN_PASSPORT", "OTHER"])
async def test_a_number_equal_to_someones_resident_id_is_refused(api, client, certificate_type):
    number = resident_id()
    assert (await api.register(api.id_card_form(certificateNumber=number)))["__typename"] == "PersonRegistered"
    refused = await register_manual(api, client, certificate_type, number, "15012340059")
    assert (refused["code"], refused["field"]) == ("LOGIN_IDENTIFIER_TAKEN", "certificateNumber"), refused
    assert await Person.all().count() == 1
    login = await api.login(number)
    assert login["__typename"] == "LoginSuccess" and login["viewer"]["maskedPhone"] == "150****0058"


async def test_a_resident_id_equal_to_a_pending_passport_is_refused(api, client):
    number = resident_id()
    pending = await register_manual(api, client, "FOREIGN_PASSPORT", number, "15012340059")
    assert pending["__typename"] == "PersonRegistered", pending
    refused = await api.register(api.id_card_form(certificateNumber=number))
    assert (refused["code"], refused["field"]) == ("LOGIN_IDENTIFIER_TAKEN", "certificateNumber"), refused
    assert await Person.all().count() == 1


async def test_a_number_equal_to_someones_phone_is_refused(api, client):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    refused = await register_manual(api, client, "OTHER", "15012340058", "15012340059")
    assert (refused["code"], refused["field"]) == ("LOGIN_IDENTIFIER_TAKEN", "certificateNumber"), refused
    assert await Person.all().count() == 1


async def test_a_phone_shaped_number_never_logs_in_as_a_number(api, client, rt):
    reviewer = await staff_token(rt, "reviewer")
    # 15012340077 is nobody's phone yet, so the registration is accepted ...
    assert (await register_manual(api, client, "OTHER", "15012340077", "15012340059"))["__typename"] == (
        "PersonRegistered"
    )
    case_id = (await api.data(QUEUE, token=reviewer))["reviewQueue"]["edges"][0]["node"]["id"]
    # ... and the number stays a phone at login: it does not open the account, its own phone does.
    approved = await api.data(DECIDE, {"i": {"caseId": case_id, "approve": True}}, token=reviewer)
    assert approved["decideReviewCase"]["case"]["status"] == "APPROVED"
    assert (await api.login("15012340077"))["code"] == "INVALID_CREDENTIALS"
    assert (await api.login("15012340059"))["__typename"] == "LoginSuccess"


async def test_concurrent_passport_and_equal_resident_id_cannot_both_win(api, client):
    number = resident_id()
    forms = [api.id_card_form(certificateNumber=number)]
    for certificate_type, phone in (("FOREIGN_PASSPORT", "15012340059"), ("OTHER", "15012340060")):
        manual = passport_form(certificateType=certificate_type, certificateNumber=number, phone=phone)
        forms.append({**manual, "documents": await upload_documents(client)})
    for n, form in enumerate(forms):
        sent = await api.send_code("REGISTER", form["phone"])
        assert sent["__typename"] == "SmsCodeSent", sent
        forms[n] = {**form, "smsCode": api.last_code(form["phone"])}
    results = await asyncio.gather(*(api.register(form, with_code=False) for form in forms))
    winners = [r for r in results if r["__typename"] == "PersonRegistered"]
    assert len(winners) == 1, results  # before the shared login index: 3 of 3 registered
    assert {r["code"] for r in results if r not in winners} <= {"LOGIN_IDENTIFIER_TAKEN", "CERTIFICATE_TAKEN"}
    assert await Person.all().count() == 1
    login = await api.login(number)
    assert login["__typename"] == "LoginSuccess" or login["code"] == "ACCOUNT_PENDING_REVIEW"


async def test_import_refuses_a_number_equal_to_an_accounts_login(api, client, rt):
    number = resident_id()
    assert (await register_manual(api, client, "FOREIGN_PASSPORT", number, "15012340059"))["__typename"] == (
        "PersonRegistered"
    )
    report = await ActivationService(rt).import_csv(
        f"name,certificate_type,certificate_number,phone\n陈心,RESIDENT_ID,{number},15012340058\n"
    )
    assert report.created == 0 and [field for _line, field, _message in report.errors] == ["certificate_number"]
    assert await Person.filter(status=PersonStatus.PROVISIONED).count() == 0


async def test_approval_refuses_a_number_that_became_someones_phone(api, client, rt):
    reviewer = await staff_token(rt, "reviewer")
    assert (await register_manual(api, client, "OTHER", "15012340077", "15012340059"))["__typename"] == (
        "PersonRegistered"
    )
    assert (await api.register(api.id_card_form(phone="15012340077")))["__typename"] == "PersonRegistered"
    case_id = (await api.data(QUEUE, token=reviewer))["reviewQueue"]["edges"][0]["node"]["id"]
    refused = await api.data(DECIDE, {"i": {"caseId": case_id, "approve": True}}, token=reviewer)
    assert (refused["decideReviewCase"]["code"], refused["decideReviewCase"]["field"]) == (
        "LOGIN_IDENTIFIER_TAKEN",
        "caseId",
    )
    assert await Person.filter(status=PersonStatus.PENDING_REVIEW).count() == 1


async def test_reviewer_sees_the_full_claimed_number_only_in_the_case_view(api, client, rt):
    reviewer = await staff_token(rt, "reviewer")
    number = "E12345678"
    assert (await register_manual(api, client, "FOREIGN_PASSPORT", number, "15012340059"))["__typename"] == (
        "PersonRegistered"
    )
    node = (await api.data(QUEUE, token=reviewer))["reviewQueue"]["edges"][0]["node"]
    assert node["claimedCertificateNumber"] is None and number not in str(node)
    case = (await api.data(CASE, {"id": node["id"]}, token=reviewer))["reviewCase"]
    assert case["claimedCertificateNumber"] == number
    assert number not in str(case["summary"])
    shown = await AuditEvent.filter(event_type="review.certificate_number_shown").count()
    assert shown == 1
    assert number not in str([event.details for event in await AuditEvent.all()])
    anonymous = await api.gql(CASE, {"id": node["id"]})
    assert "errors" in anonymous and number not in str(anonymous)
