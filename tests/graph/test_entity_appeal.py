"""E10 through HTTP: credit code -> masked entity, uploads, new contact, captcha, code, new password; decided once
in the review queue with the documents listed; approval replaces contact and password and ends the sessions."""

from __future__ import annotations

import json

import pytest

from plugins.sandbox import registry as sandbox
from tests.services.entities.test_entity_changes import ENTITY_PASSWORD, make_entity
from tests.support import resident_id, staff_token
from uidp.models.review import ReviewCase
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
APPELLANT_PHONE = "13900003333"
NEW_PASSWORD = "Appeal#2026ent"

UPLOAD = """mutation($i: UploadDocumentInput!){ uploadDocument(input:$i){
  __typename ... on UploadedDocument { id kind } ... on Error { code field } } }"""
START = """mutation($i: StartEntityAppealInput!) { startEntityAppeal(input: $i) { __typename
  ... on EntityAppealStarted { ticket expiresAt maskedEntityName maskedCreditCode }
  ... on Error { code message field } } }"""
SUBMIT = """mutation($i: SubmitEntityAppealInput!) { submitEntityAppeal(input: $i) { __typename
  ... on AppealSubmitted { caseId dueAt } ... on Error { code message field } } }"""
CASE = """query($id: ID!) { reviewCase(id: $id) { kind kindLabel status summary documents { kind url } } }"""
DECIDE = """mutation($i: DecideReviewCaseInput!){ decideReviewCase(input: $i) { __typename
  ... on ReviewCaseDecided { case { status } } ... on Error { code message } } }"""
LOGIN = """mutation($i: LoginEntityInput!) { loginEntity(input: $i) { __typename
  ... on LoginSuccess { token } ... on Error { code message } } }"""
ME = """{ me { __typename ... on EntityAccount { maskedContactName maskedContactPhone } } }"""


async def upload(api, kind: str) -> str:
    operations = {"query": UPLOAD, "variables": {"i": {"kind": kind, "file": None}}}
    response = await api.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.i.file"]})},
        files={"0": ("doc.png", PNG, "image/png")},
        headers={"x-uidp-csrf": "1"},
    )
    result = response.json()["data"]["uploadDocument"]
    assert result["__typename"] == "UploadedDocument" and result["kind"] == kind, result
    return result["id"]


async def appeal(api, ticket: str, *, code: str | None = None, phone: str = APPELLANT_PHONE, **overrides) -> dict:
    code = code or await api.code_for("ENTITY_APPEAL", phone)
    captcha_id, answer = await api.captcha()
    form = {
        "ticket": ticket,
        "documents": {
            "businessLicence": await upload(api, "BUSINESS_LICENCE"),
            "authorisationLetter": await upload(api, "AUTHORISATION_LETTER"),
            "certificateFront": await upload(api, "CERTIFICATE_FRONT"),
            "certificateBack": await upload(api, "CERTIFICATE_BACK"),
        },
        "contactName": "孙七",
        "contactCertificateNumber": resident_id(seq="161"),
        "contactPhone": phone,
        "smsCode": code,
        "captchaId": captcha_id,
        "captchaAnswer": answer,
        "newPassword": NEW_PASSWORD,
        "newPasswordConfirmation": NEW_PASSWORD,
    }
    form.update(overrides)
    return form


async def login(api, password: str) -> dict:
    variables = {"i": {"creditCode": sandbox.ACTIVE_ENTERPRISE, "password": password}}
    return (await api.data(LOGIN, variables))["loginEntity"]


async def start(api) -> str:
    started = (await api.data(START, {"i": {"creditCode": sandbox.ACTIVE_ENTERPRISE}}))["startEntityAppeal"]
    assert started["__typename"] == "EntityAppealStarted", started
    assert started["maskedEntityName"] == "湖北********公司"
    return started["ticket"]


async def test_entity_appeal_approved(api, rt):
    await make_entity(rt)
    old_token = (await login(api, ENTITY_PASSWORD))["token"]
    api.client.cookies.clear()
    form = await appeal(api, await start(api))
    submitted = (await api.data(SUBMIT, {"i": form}))["submitEntityAppeal"]
    assert submitted["__typename"] == "AppealSubmitted", submitted
    again = (await api.data(SUBMIT, {"i": form}))["submitEntityAppeal"]
    assert again["code"] == "STEP_INVALID"  # the ticket was spent with the submission

    reviewer = await staff_token(rt, "reviewer")
    case = (await api.data(CASE, {"id": submitted["caseId"]}, token=reviewer))["reviewCase"]
    assert (case["kind"], case["kindLabel"], case["status"]) == ("ENTITY_APPEAL", "法人账号申诉", "PENDING")
    assert case["summary"]["contactPhone"] == "139****3333" and case["summary"]["entityName"] == "湖北********公司"
    assert {d["kind"] for d in case["documents"]} == {
        "BUSINESS_LICENCE",
        "AUTHORISATION_LETTER",
        "CERTIFICATE_FRONT",
        "CERTIFICATE_BACK",
    }
    licence = next(d["url"] for d in case["documents"] if d["kind"] == "BUSINESS_LICENCE")
    opened = await api.client.get(licence, headers={"authorization": f"Bearer {reviewer}"})
    assert opened.status_code == 200 and opened.content == PNG

    decided = await api.data(DECIDE, {"i": {"caseId": submitted["caseId"], "approve": True}}, token=reviewer)
    assert decided["decideReviewCase"]["case"]["status"] == "APPROVED"
    from uidp.models.audit import AuditEvent
    from uidp.models.entity import Entity

    decision = await AuditEvent.get(event_type="review.decided")
    assert (decision.subject_kind, decision.subject_id) == ("entity", (await Entity.first()).id)
    assert "法人账号申诉已通过" in sandbox_messages(rt, phone=APPELLANT_PHONE, limit=1)[0]["text"]
    second = await api.data(
        DECIDE, {"i": {"caseId": submitted["caseId"], "approve": False, "reason": "x"}}, token=reviewer
    )
    assert second["decideReviewCase"]["code"] == "CASE_ALREADY_DECIDED"
    # the old session ended, the old password is gone, the new one works and shows the new contact
    assert (await api.data(ME, token=old_token))["me"] is None
    assert (await login(api, ENTITY_PASSWORD))["__typename"] != "LoginSuccess"
    new_login = await login(api, NEW_PASSWORD)
    assert new_login["__typename"] == "LoginSuccess", new_login
    me = (await api.data(ME, token=new_login["token"]))["me"]
    assert me == {"__typename": "EntityAccount", "maskedContactName": "孙*", "maskedContactPhone": "139****3333"}


async def test_entity_appeal_rejected_and_bad_input(api, rt):
    await make_entity(rt)
    unknown = (await api.data(START, {"i": {"creditCode": sandbox.UNKNOWN_CODE}}))["startEntityAppeal"]
    assert unknown["code"] == "APPEAL_NOT_APPLICABLE"
    malformed = (await api.data(START, {"i": {"creditCode": "91420100MA4KTC01X0"}}))["startEntityAppeal"]
    assert malformed["code"] == "INVALID_CREDIT_CODE"
    ticket = await start(api)
    no_documents = await appeal(api, ticket)
    del no_documents["documents"]
    missing = (await api.data(SUBMIT, {"i": no_documents}))["submitEntityAppeal"]
    assert (missing["code"], missing["field"]) == ("UPLOAD_REQUIRED", "documents.businessLicence")
    code = no_documents["smsCode"]  # not spent by a refused submission
    bad_captcha = await appeal(api, ticket, code=code, captchaAnswer="WRONG")
    refused = (await api.data(SUBMIT, {"i": bad_captcha}))["submitEntityAppeal"]
    assert refused["code"] == "CAPTCHA_INVALID"
    assert await ReviewCase.all().count() == 0

    form = await appeal(api, ticket, code=code)
    submitted = (await api.data(SUBMIT, {"i": form}))["submitEntityAppeal"]
    assert submitted["__typename"] == "AppealSubmitted", submitted
    # one pending appeal per entity
    second = await appeal(api, await start(api), phone="13900004444")
    pending = (await api.data(SUBMIT, {"i": second}))["submitEntityAppeal"]
    assert pending["code"] == "ALREADY_EXISTS"
    reviewer = await staff_token(rt, "reviewer")
    decided = await api.data(
        DECIDE, {"i": {"caseId": submitted["caseId"], "approve": False, "reason": "营业执照不清晰"}}, token=reviewer
    )
    assert decided["decideReviewCase"]["case"]["status"] == "REJECTED"
    assert "营业执照不清晰" in sandbox_messages(rt, phone=APPELLANT_PHONE, limit=1)[0]["text"]
    assert (await login(api, ENTITY_PASSWORD))["__typename"] == "LoginSuccess"
