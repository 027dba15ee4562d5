"""Grant views in the user space (issue 11 item 7) through HTTP: grants given and held, sub-grants, history,
applications in and out, own session only, and a page's SQL cost independent of its size."""

from __future__ import annotations

import uuid

import pytest

from tests.graph.proxy_support import Delegation, person
from tests.graph.test_loaders import queries  # noqa: F401 (the SQL statement counter, a fixture)
from tests.services.delegation.test_chains import store_grant
from tests.services.entities.test_entity_changes import make_person
from tests.support import resident_id
from uidp.domain.delegation import ApplicationStatus
from uidp.models.grant import GrantRecord
from uidp.models.grant_application import GrantApplication

pytestmark = pytest.mark.anyio

ENTITY_PAGE = """query($first: Int!, $after: String) { me { ... on EntityAccount { grantsGiven(first: $first,
  after: $after) { edges { cursor node { id level status grantee { kind maskedName } grantor { kind maskedName }
  subGrants { id } } } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }"""
ENTITY_ME = "{ me { ... on EntityAccount { id } } }"
PERSON_VIEWS = """{ me { ... on PersonAccount { grantsHeld { edges { node { id level status serviceItems
  entity { kind maskedName } grantor { maskedName } history { action actorKind details } } } }
  grantsGiven { edges { node { id grantee { maskedName } } } }
  grantApplications { edges { node { status reason entity { maskedName } serviceItems } } } } } }"""
ENTITY_VIEWS = """{ me { ... on EntityAccount { grantsGiven { edges { node { id } } }
  grantApplications { edges { node { status reason applicant { maskedName } } } } } } }"""


async def test_a_page_of_100_grants_costs_what_a_page_of_5_costs(api, rt, queries):  # noqa: F811
    world = await Delegation.build(rt)
    below = await make_person(rt, "钱二", resident_id(seq="999"), "13600009999")
    for _ in range(2):  # the world's own level-1 grant has two sub-grants too, like the 110 below
        await store_grant(rt, world.entity.id, world.grant, below.id)
    for n in range(110):
        grantee = await make_person(rt, f"受权{n:03d}", resident_id(seq=f"{n:03d}"), f"1360000{n:04d}")
        grant = await store_grant(rt, world.entity.id, None, grantee.id)
        for _ in range(2):
            await store_grant(rt, world.entity.id, grant, world.agent.id)
    token = await world.entity_token()
    costs = {}
    for first in (5, 100):
        await api.data(ENTITY_ME, token=token)  # warm the session (touched once a minute)
        queries.clear()
        await api.data(ENTITY_ME, token=token)
        baseline = len(queries)  # the session and the entity row, which any `me` costs
        queries.clear()
        page = (await api.data(ENTITY_PAGE, {"first": first}, token=token))["me"]["grantsGiven"]
        costs[first] = len(queries) - baseline
        edges = page["edges"]
        assert len(edges) == first and page["pageInfo"]["hasNextPage"]
        assert all(len(edge["node"]["subGrants"]) == 2 and edge["node"]["level"] == 1 for edge in edges)
        assert all(
            edge["node"]["grantor"]["kind"] == "entity" and edge["node"]["grantee"]["maskedName"] for edge in edges
        )
    print(f"\nqueries per page beyond `me`: {costs}")
    assert costs[5] == costs[100] <= 4
    nxt = await api.data(ENTITY_PAGE, {"first": 100, "after": page["pageInfo"]["endCursor"]}, token=token)
    rest = nxt["me"]["grantsGiven"]
    assert len(rest["edges"]) == 11 and rest["pageInfo"]["hasPreviousPage"] and not rest["pageInfo"]["hasNextPage"]


async def test_a_person_sees_held_and_given_grants_history_and_applications(api, rt):
    world = await Delegation.build(rt)
    second = await person(rt, "13700002222", "181", "钱二")
    onward = await store_grant(rt, world.entity.id, world.grant, second.id, scope=["tax"])
    await GrantRecord.create(
        id=uuid.uuid4(),
        grant_id=world.grant.id,
        at=rt.clock.now(),
        action="created",
        actor_kind="entity",
        actor_id=world.entity.id,
        details={"scope": ["social", "tax"]},
    )
    await GrantApplication.create(
        id=uuid.uuid4(),
        entity_id=world.entity.id,
        applicant_id=world.agent.id,
        scope=["social"],
        starts_at=rt.clock.now(),
        ends_at=rt.clock.now(),
        reason="办理社保",
        created_at=rt.clock.now(),
        status=ApplicationStatus.PENDING,
    )
    token = (await api.login("13700001111"))["token"]
    me = (await api.data(PERSON_VIEWS, token=token))["me"]
    held = [edge["node"] for edge in me["grantsHeld"]["edges"]]
    assert [(g["id"], g["level"], g["status"]) for g in held] == [(str(world.grant.id), 1, "ACTIVE")]
    assert held[0]["entity"]["kind"] == "entity" and held[0]["history"][0]["action"] == "created"
    assert [edge["node"]["id"] for edge in me["grantsGiven"]["edges"]] == [str(onward.id)]
    assert me["grantsGiven"]["edges"][0]["node"]["grantee"]["maskedName"] == "钱*"
    applications = [edge["node"] for edge in me["grantApplications"]["edges"]]
    assert [(a["status"], a["reason"]) for a in applications] == [("PENDING", "办理社保")]
    entity = (await api.data(ENTITY_VIEWS, token=await world.entity_token()))["me"]
    assert [edge["node"]["id"] for edge in entity["grantsGiven"]["edges"]] == [str(world.grant.id)]
    assert entity["grantApplications"]["edges"][0]["node"]["applicant"]["maskedName"] == "赵**"


async def test_nobody_else_sees_the_lists_not_even_a_proxy_session(api, rt):
    world = await Delegation.build(rt)
    proxy = (await api.data(ENTITY_VIEWS, token=await world.agent_token()))["me"]
    assert proxy == {"grantsGiven": {"edges": []}, "grantApplications": {"edges": []}}
