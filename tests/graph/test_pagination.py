"""Relay connections: page boundaries forward (first/after) and backward (last/before), with the full PageInfo."""

from __future__ import annotations

import pytest

from tests.support import staff_token
from uidp.services.shared.audit import Audit

pytestmark = pytest.mark.anyio

EVENTS = """query($first: Int, $after: String, $last: Int, $before: String) {
  auditEvents(filter: {eventType: "bulk"}, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { details } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def events(api, token, **window):
    body = await api.gql(EVENTS, window, token=token)
    assert "errors" not in body, body
    connection = body["data"]["auditEvents"]
    numbers = [edge["node"]["details"]["n"] for edge in connection["edges"]]
    info = connection["pageInfo"]
    cursors = [edge["cursor"] for edge in connection["edges"]]
    assert (info["startCursor"], info["endCursor"]) == ((cursors[0], cursors[-1]) if cursors else (None, None))
    return numbers, info


@pytest.fixture
async def admin(api, rt, clock):
    token = await staff_token(rt, "administrator", username="root")
    audit = Audit(rt)
    for n in range(5):
        if n != 3:
            clock.advance(1)  # 2 and 3 share a timestamp: the id orders them
        await audit.record("bulk", n=n)
    return token


def flags(info):
    return info["hasPreviousPage"], info["hasNextPage"]


async def test_forward_pages_and_their_boundaries(api, admin):
    newest_first = await events(api, admin, first=5)
    assert len(newest_first[0]) == 5 and flags(newest_first[1]) == (False, False)  # exactly one full page
    order = newest_first[0]
    assert order[0] == 4 and order[-2:] == [1, 0] and sorted(order) == [0, 1, 2, 3, 4]
    page, info = await events(api, admin, first=2)
    assert page == order[:2] and flags(info) == (False, True)
    page, info = await events(api, admin, first=2, after=info["endCursor"])
    assert page == order[2:4] and flags(info) == (True, True)
    page, info = await events(api, admin, first=2, after=info["endCursor"])
    assert page == order[4:] and flags(info) == (True, False)
    page, info = await events(api, admin, first=2, after=info["endCursor"])
    assert page == [] and flags(info) == (True, False)
    page, info = await events(api, admin, first=4)
    assert page == order[:4] and flags(info) == (False, True)  # one short of the end


async def test_backward_pages_and_their_boundaries(api, admin):
    order = (await events(api, admin, first=5))[0]
    page, info = await events(api, admin, last=2)
    assert page == order[3:] and flags(info) == (True, False)
    page, info = await events(api, admin, last=2, before=info["startCursor"])
    assert page == order[1:3] and flags(info) == (True, True)
    page, info = await events(api, admin, last=2, before=info["startCursor"])
    assert page == order[:1] and flags(info) == (False, True)
    page, info = await events(api, admin, last=5)
    assert page == order and flags(info) == (False, False)


async def test_both_cursors_narrow_one_list(api, admin):
    order = (await events(api, admin, first=5))[0]
    _, first_two = await events(api, admin, first=1)
    _, last_one = await events(api, admin, last=1)
    page, info = await events(api, admin, first=10, after=first_two["endCursor"], before=last_one["startCursor"])
    assert page == order[1:4] and flags(info) == (True, False)


async def test_first_and_last_together_or_bad_cursors_are_refused(api, admin):
    for window, field in (
        ({"first": 2, "last": 2}, "last"),
        ({"last": 0}, "last"),
        ({"first": 0}, "first"),
        ({"last": 2, "before": "garbage!"}, "before"),
    ):
        body = await api.gql(EVENTS, window, token=admin)
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"] == {"code": "INVALID_FORMAT", "field": field}, (window, body)
