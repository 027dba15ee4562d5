"""A1 through HTTP: manual registrations in the review queue, decided once, applicant told by SMS."""

from __future__ import annotations

import pytest

from tests.graph.test_manual_registration import PDF, PNG, passport_form, upload_documents
from tests.support import PASSWORD, staff_token
from uidp.models.person import Person
from uidp.models.review import ReviewCase
from uidp.models.upload import Upload
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio

QUEUE = """query($first: Int, $after: String){ reviewQueue(first: $first, after: $after) {
  edges { cursor node { id kind kindLabel status submittedAt dueAt overdue summary documents { kind url } } }
  pageInfo { hasNextPage endCursor } } }"""
DECIDE = """mutation($i: DecideReviewCaseInput!){ decideReviewCase(input: $i) { __typename
  ... on ReviewCaseDecided { case { id status decisionReason decidedAt } }
  ... on Error { code message field } } }"""


async def manual_registration(api, client, number="E12345678", phone="15012340058"):
    documents = await upload_documents(client)
    result = await api.register(passport_form(certificateNumber=number, phone=phone, documents=documents))
    assert result["__typename"] == "PersonRegistered", result
    return result["account"]["id"]


@pytest.fixture
async def reviewer(rt):
    return await staff_token(rt, "reviewer")


async def test_approve_manual_registration(api, client, rt, reviewer):
    await manual_registration(api, client)
    queue = (await api.data(QUEUE, token=reviewer))["reviewQueue"]
    assert len(queue["edges"]) == 1
    node = queue["edges"][0]["node"]
    assert (node["kind"], node["status"], node["overdue"]) == ("MANUAL_REGISTRATION", "PENDING", False)
    assert node["summary"]["phone"] == "150****0058" and "E12345678" not in str(node)
    assert node["dueAt"].startswith("2026-12-01T02:00:00")  # Tuesday 10:00 Shanghai: one working day later
    assert {d["kind"] for d in node["documents"]} == {"CERTIFICATE_FRONT", "CERTIFICATE_BACK", "SUPPORTING"}
    document = await client.get(node["documents"][0]["url"], headers={"authorization": f"Bearer {reviewer}"})
    assert document.status_code == 200 and document.content in (PNG, PDF)
    decided = await api.data(DECIDE, {"i": {"caseId": node["id"], "approve": True}}, token=reviewer)
    assert decided["decideReviewCase"]["case"]["status"] == "APPROVED"
    assert "审核通过" in sandbox_messages(rt, phone="15012340058", limit=1)[0]["text"]
    assert (await api.login("E12345678"))["__typename"] == "LoginSuccess"
    again = await api.data(DECIDE, {"i": {"caseId": node["id"], "approve": False, "reason": "x"}}, token=reviewer)
    assert again["decideReviewCase"]["code"] == "CASE_ALREADY_DECIDED"
    assert (await api.data(QUEUE, token=reviewer))["reviewQueue"]["edges"] == []


async def test_reject_needs_a_reason_and_frees_the_certificate(api, client, rt, reviewer):
    await manual_registration(api, client)
    case_id = (await api.data(QUEUE, token=reviewer))["reviewQueue"]["edges"][0]["node"]["id"]
    no_reason = await api.data(DECIDE, {"i": {"caseId": case_id, "approve": False}}, token=reviewer)
    assert (no_reason["decideReviewCase"]["code"], no_reason["decideReviewCase"]["field"]) == ("REQUIRED", "reason")
    rejected = await api.data(
        DECIDE, {"i": {"caseId": case_id, "approve": False, "reason": "证件照片不清晰"}}, token=reviewer
    )
    assert rejected["decideReviewCase"]["case"]["decisionReason"] == "证件照片不清晰"
    assert "证件照片不清晰" in sandbox_messages(rt, phone="15012340058", limit=1)[0]["text"]
    assert await Person.all().count() == 0 and await Upload.all().count() == 0
    assert (await api.login("E12345678"))["code"] == "INVALID_CREDENTIALS"
    await manual_registration(api, client, phone="15012340057")  # the same person may try again


async def test_queue_is_oldest_first_paged_and_shows_overdue(api, client, clock, rt, reviewer):
    for n in range(3):
        await manual_registration(api, client, number=f"E1234567{n}", phone=f"1501234005{n}")
        clock.advance(60)
    first = (await api.data(QUEUE, {"first": 2}, token=reviewer))["reviewQueue"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = await api.data(QUEUE, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=reviewer)
    nodes = [e["node"] for e in first["edges"] + second["reviewQueue"]["edges"]]
    assert [n["summary"]["phone"] for n in nodes] == ["150****0050", "150****0051", "150****0052"]
    assert second["reviewQueue"]["pageInfo"]["hasNextPage"] is False
    clock.advance(2 * 24 * 3600)
    later = await staff_token(rt, "reviewer", username="reviewer2")  # the first session ended after 12 hours
    assert all(e["node"]["overdue"] for e in (await api.data(QUEUE, token=later))["reviewQueue"]["edges"])


async def test_only_reviewers(api, client, rt):
    await manual_registration(api, client)
    anonymous = await api.gql(QUEUE)
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    await api.register(api.id_card_form(phone="15012340059"))
    person = (await api.login("15012340059", PASSWORD))["token"]
    assert (await api.gql(QUEUE, token=person))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    operator = await staff_token(rt, "operator", username="op1")
    assert (await api.gql(QUEUE, token=operator))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    case = await ReviewCase.first()
    denied = await api.data(DECIDE, {"i": {"caseId": str(case.id), "approve": True}}, token=person)
    assert denied["decideReviewCase"]["__typename"] == "Forbidden"
    upload_url = f"/staff/documents/{(await Upload.first()).id}"
    assert (await client.get(upload_url, headers={"authorization": f"Bearer {person}"})).status_code == 404
    assert (await client.get(upload_url)).status_code == 404


async def test_unknown_case(api, reviewer):
    missing = await api.data(DECIDE, {"i": {"caseId": "not-a-uuid", "approve": True}}, token=reviewer)
    assert missing["decideReviewCase"]["code"] == "NOT_FOUND"
    missing = await api.data(
        DECIDE, {"i": {"caseId": "00000000-0000-4000-8000-000000000000", "approve": True}}, token=reviewer
    )
    assert missing["decideReviewCase"]["code"] == "NOT_FOUND"
