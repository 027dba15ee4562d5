"""The authorisation check (issue 11 item 6) through HTTP: who asks decides whose right is checked, the chain
behind a GRANTED answer, every refusal's reason, and the check's own bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.graph.proxy_support import Delegation, person
from tests.graph.test_loaders import queries  # noqa: F401 (the SQL statement counter, a fixture)
from tests.services.delegation.test_chains import store_grant
from tests.support import enrol_staff
from uidp.domain.delegation import GrantState
from uidp.models.audit import AuditEvent
from uidp.models.grant import Grant
from uidp.services.auth.api_tokens import ApiTokens

pytestmark = pytest.mark.anyio

CHECK = """query($i: CheckAuthorisationInput!) { checkAuthorisation(input: $i) { __typename
  ... on Authorisation { allowed reason serviceItem maskedCreditCode checkedAt
    chain { grantId level maskedGrantorName maskedGranteeName serviceItems startsAt endsAt } }
  ... on Error { code message field } } }"""
ME = "{ me { __typename ... on EntityAccount { id } } }"
OTHER_CODE = "91350100M000100Y43"  # a well-formed credit code of no entity here


async def check(api, token, item="tax", code=None, world=None, **extra):
    form = {"creditCode": code or world.credit_code, "serviceItem": item, **extra}
    return (await api.data(CHECK, {"i": form}, token=token))["checkAuthorisation"]


@pytest.fixture
async def chain(rt):
    """entity -> agent (level 1, social + tax) -> 钱二 (level 2) -> 孙三 (level 3, tax only)."""
    world = await Delegation.build(rt)
    second = await person(rt, "13700002222", "181", "钱二")
    third = await person(rt, "13700003333", "191", "孙三")
    two = await store_grant(rt, world.entity.id, world.grant, second.id)
    three = await store_grant(rt, world.entity.id, two, third.id, scope=["tax"], may_grant_onward=False)
    return world, (world.grant, two, three), third


async def login(api, phone):
    return (await api.login(phone))["token"]


async def test_a_person_at_the_end_of_a_chain_is_granted_with_the_chain(api, rt, chain):
    world, grants, _ = chain
    token = await login(api, "13700003333")
    answer = await check(api, token, world=world)
    assert (answer["allowed"], answer["reason"], answer["serviceItem"]) == (True, "GRANTED", "tax")
    assert [link["grantId"] for link in answer["chain"]] == [str(g.id) for g in grants]
    assert [link["level"] for link in answer["chain"]] == [1, 2, 3]
    assert [link["maskedGranteeName"] for link in answer["chain"]] == ["赵**", "钱*", "孙*"]
    assert answer["chain"][0]["maskedGrantorName"] == "湖北楚天测试科技有限公司"[:2] + "*" * 8 + "公司"[-2:]
    assert [link["maskedGrantorName"] for link in answer["chain"][1:]] == ["赵**", "钱*"]
    assert answer["maskedCreditCode"].startswith("91") and "*" in answer["maskedCreditCode"]


async def test_every_refusal_has_its_reason(api, rt, clock, chain):
    world, (one, _, three), _ = chain
    token = await login(api, "13700003333")
    assert (await check(api, token, item="social", world=world))["reason"] == "OUT_OF_SCOPE"
    assert (await check(api, token, code=OTHER_CODE))["reason"] == "NO_GRANT"
    await Grant.filter(id=three.id).update(starts_at=clock.now() + timedelta(hours=1))
    assert (await check(api, token, world=world))["reason"] == "NOT_STARTED"
    await Grant.filter(id=three.id).update(starts_at=clock.now())
    await Grant.filter(id=one.id).update(state=GrantState.CANCELLED)  # the root: everything below ends
    refused = await check(api, token, world=world)
    assert (refused["allowed"], refused["reason"], refused["chain"]) == (False, "CANCELLED", [])
    await Grant.filter(id=one.id).update(state=GrantState.ACTIVE, ends_at=clock.now() + timedelta(minutes=5))
    clock.advance(6 * 60)
    token = await login(api, "13700003333")
    assert (await check(api, token, world=world))["reason"] == "EXPIRED"


async def test_the_entity_acts_for_itself_only(api, rt, chain):
    world, _, _ = chain
    token = await world.entity_token()
    itself = await check(api, token, world=world, item="anything")
    assert (itself["allowed"], itself["reason"], itself["chain"]) == (True, "ENTITY_ITSELF", [])
    assert (await check(api, token, code=OTHER_CODE))["reason"] == "NO_GRANT"


async def test_a_proxy_session_is_checked_on_its_own_grant(api, rt, chain):
    world, (one, _, _), _ = chain
    await store_grant(rt, world.entity.id, None, world.agent.id, scope=["housing"])
    token = (await world.login(api, serviceItem="tax"))["token"]
    granted = await check(api, token, world=world)
    assert (granted["allowed"], [link["grantId"] for link in granted["chain"]]) == (True, [str(one.id)])
    # the agent holds a grant for "housing" too, but this session rests on the other one
    assert (await check(api, token, world=world, item="housing"))["reason"] == "OUT_OF_SCOPE"
    assert (await check(api, token, code=OTHER_CODE))["reason"] == "NO_GRANT"


async def test_a_proxy_sessions_check_reads_nothing_beyond_its_session(api, rt, chain, queries):  # noqa: F811
    """The session's resolution already read the entity and checked the grant's chain: the check of its own
    entity judges that chain again for the item and reads no more SQL than `me` does (another entity's code
    still costs its lookup)."""
    world, (one, _, _), _ = chain
    token = (await world.login(api, serviceItem="tax"))["token"]
    await api.data(ME, token=token)  # the session is touched at most once a minute; warm it
    queries.clear()
    assert (await api.data(ME, token=token))["me"]["id"] == str(world.entity.id)
    me_cost = len(queries)
    queries.clear()
    granted = await check(api, token, world=world)
    assert (granted["allowed"], [link["grantId"] for link in granted["chain"]]) == (True, [str(one.id)])
    # the chain's masked names come through the loaders: one query for the persons, one for the entity
    assert len(queries) == me_cost + 2, queries
    queries.clear()
    assert (await check(api, token, world=world, item="housing"))["reason"] == "OUT_OF_SCOPE"
    assert len(queries) == me_cost, queries
    queries.clear()
    assert (await check(api, token, code=OTHER_CODE))["reason"] == "NO_GRANT"
    assert len(queries) == me_cost + 1, queries


async def test_staff_with_the_scope_ask_about_a_named_person_and_it_is_audited(api, rt, chain):
    world, _, third = chain
    operator = await enrol_staff(rt, "operator", username="op1")
    issued = await ApiTokens(rt).create(
        staff_username="op1", name="connected system", scopes=["authorisation"], expires_in_days=1
    )
    answer = await check(api, issued.token, world=world, personId=str(third.id))
    assert (answer["allowed"], answer["reason"], len(answer["chain"])) == (True, "GRANTED", 3)
    event = await AuditEvent.get(event_type="authorisation.checked")
    assert (event.actor_id, event.subject_id, event.details["allowed"]) == (operator.staff.id, third.id, True)
    assert world.credit_code not in str(event.details)
    outside = await ApiTokens(rt).create(staff_username="op1", name="other", scopes=["persons"], expires_in_days=1)
    refused = await check(api, outside.token, world=world, personId=str(third.id))
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "TOKEN_SCOPE")
    assert (await check(api, issued.token, world=world))["code"] == "REQUIRED"
    assert (await check(api, issued.token, world=world, personId="nope"))["code"] == "INVALID_FORMAT"
    missing = await check(api, issued.token, world=world, personId="8f0e4c1a-0000-4000-8000-000000000000")
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "personId")


async def test_nobody_but_staff_asks_about_someone_else(api, rt, chain):
    world, _, third = chain
    token = await login(api, "13700002222")
    refused = await check(api, token, world=world, personId=str(third.id))
    assert (refused["__typename"], refused["code"], refused["field"]) == ("FieldError", "FORBIDDEN", "personId")
    api.client.cookies.clear()  # the login above left its session cookie
    anonymous = await api.data(CHECK, {"i": {"creditCode": world.credit_code, "serviceItem": "tax"}})
    assert anonymous["checkAuthorisation"]["__typename"] == "NotAuthenticated"


async def test_bad_input_is_refused_before_any_lookup(api, rt, chain):
    world, _, _ = chain
    token = await login(api, "13700003333")
    malformed = await check(api, token, code="91420100MA4KXXXX1B")
    assert (malformed["code"], malformed["field"]) == ("INVALID_CREDIT_CODE", "creditCode")
    assert (await check(api, token, world=world, item=" "))["code"] == "REQUIRED"
    too_long = await check(api, token, world=world, item="x" * 65)
    assert (too_long["code"], too_long["field"]) == ("INPUT_TOO_LONG", "serviceItem")
