"""A3 through HTTP: auditEvents for administrators, filters, Relay pagination, masked details, flat SQL cost."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.graph.test_loaders import queries  # noqa: F401 (the SQL statement counter, a fixture)
from tests.support import PASSWORD, staff_token
from uidp.services.shared.audit import Audit

pytestmark = pytest.mark.anyio

QUERY = """query($f: AuditEventFilter, $first: Int!, $after: String){
  auditEvents(filter: $f, first: $first, after: $after) {
    edges { cursor node { id at eventType outcome actorKind actorId subjectKind subjectId clientAddress details } }
    pageInfo { hasNextPage endCursor } } }"""


async def page(api, token, first=20, after=None, **filters):
    body = await api.gql(QUERY, {"f": filters or None, "first": first, "after": after}, token=token)
    return body


async def test_events_newest_first_with_filters_and_pages(api, rt, clock):
    admin = await staff_token(rt, "administrator", username="root")
    audit = Audit(rt)
    subject = uuid.uuid4()
    for n in range(5):
        clock.advance(1)
        await audit.record("login.failed", outcome="failure", subject=("person", subject), n=n)
    clock.advance(1)
    await audit.record("logout", subject=("person", uuid.uuid4()))
    body = await page(api, admin, first=2, eventType="login.failed")
    data = body["data"]["auditEvents"]
    assert [e["node"]["details"]["n"] for e in data["edges"]] == [4, 3]
    assert data["pageInfo"] == {"hasNextPage": True, "endCursor": data["edges"][-1]["cursor"]}
    seen = [4, 3]
    after = data["pageInfo"]["endCursor"]
    while after:
        data = (await page(api, admin, first=2, after=after, eventType="login.failed"))["data"]["auditEvents"]
        seen += [e["node"]["details"]["n"] for e in data["edges"]]
        after = data["pageInfo"]["endCursor"] if data["pageInfo"]["hasNextPage"] else None
    assert seen == [4, 3, 2, 1, 0]
    node = data["edges"][0]["node"]
    assert node["subjectId"] == str(subject) and node["outcome"] == "failure" and node["subjectKind"] == "person"
    by_subject = (await page(api, admin, first=50, subjectId=str(subject)))["data"]["auditEvents"]["edges"]
    assert len(by_subject) == 5
    start = (clock.now() - timedelta(seconds=2)).isoformat()
    window = (await page(api, admin, first=50, **{"from": start, "to": clock.now().isoformat()}))["data"]
    # from inclusive (n=3 at now-2s), to exclusive (the logout at now)
    assert [e["node"]["details"].get("n") for e in window["auditEvents"]["edges"]] == [4, 3]
    viewed = (await page(api, admin, first=1, eventType="audit.queried"))["data"]["auditEvents"]["edges"]
    assert viewed and viewed[0]["node"]["actorKind"] == "staff"


async def test_details_stay_masked(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    await api.register(api.id_card_form())
    await api.login("15012340058", "Wrong#2026pw")
    await api.login("15012340058")
    edges = (await page(api, admin, first=100))["data"]["auditEvents"]["edges"]
    text = str([e["node"] for e in edges])
    assert "login.succeeded" in text and "person.registered" in text
    for secret in ("15012340058", "陈心", PASSWORD, "Wrong#2026pw", "203.0.113.7"):
        assert secret not in text
    assert "150****0058" in text


async def test_first_is_capped_and_bad_input_is_typed(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    audit = Audit(rt)
    for n in range(105):
        await audit.record("bulk", n=n)
    capped = (await page(api, admin, first=500, eventType="bulk"))["data"]["auditEvents"]
    assert len(capped["edges"]) == 100 and capped["pageInfo"]["hasNextPage"]
    for kwargs, field_hint in (({"first": 0}, "first"), ({"after": "garbage!"}, "after")):
        body = await page(api, admin, **kwargs)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "INVALID_FORMAT", field_hint
    body = await page(api, admin, subjectId="nope")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FORMAT"


async def test_only_administrators(api, rt):
    for role in ("reviewer", "operator"):
        token = await staff_token(rt, role, username=role)
        body = await page(api, token)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await page(api, None)
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_sql_queries_do_not_grow_with_page_size(api, rt, queries):  # noqa: F811
    admin = await staff_token(rt, "administrator", username="root")
    audit = Audit(rt)
    for n in range(60):
        await audit.record("bulk", subject=("person", uuid.uuid4()), n=n)
    costs = []
    for first in (2, 50):
        await page(api, admin, first=1)  # the session is touched at most once a minute; warm it
        queries.clear()
        body = await page(api, admin, first=first, eventType="bulk")
        assert len(body["data"]["auditEvents"]["edges"]) == first
        costs.append(len(queries))
    assert costs[0] == costs[1], costs
    assert 1 <= costs[1] <= 5, costs
