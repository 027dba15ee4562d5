"""Proxy sessions (E3) through HTTP: `me` shows the agent and the entity, the audit names both, and the agent's
cancellation (P10) ends every proxy session the agent holds."""

from __future__ import annotations

import pytest

from tests.graph.proxy_support import AGENT_PHONE, Delegation, person
from tests.graph.test_loaders import queries  # noqa: F401 (the SQL statement counter, a fixture)
from tests.services.delegation.test_chains import store_grant
from tests.support import resident_id
from uidp.domain.accounts import SubjectKind
from uidp.domain.delegation import GrantState
from uidp.models.audit import AuditEvent
from uidp.models.grant import Grant, GrantRecord
from uidp.models.session import Session
from uidp.security.tokens import token_digest
from uidp.services.auth.sessions import Sessions

pytestmark = pytest.mark.anyio

ME = """{ me { __typename ... on EntityAccount { id maskedName actingPerson { role maskedName
  maskedCertificateNumber grantId } } } }"""
MY_CODE = """mutation { sendMyPhoneCode(input: {purpose: CANCEL_ACCOUNT}) { __typename ... on Error { code } } }"""
CANCEL = """mutation($i: CancelAccountInput!) { cancelAccount(input: $i) { __typename
  ... on AccountCancelled { ok } ... on Error { code message field } } }"""
LOGOUT = "mutation { logout { __typename ... on Error { code } } }"


async def test_me_of_a_proxy_session_shows_the_entity_and_the_agent(api, rt):
    world = await Delegation.build(rt)
    me = (await api.data(ME, token=await world.agent_token()))["me"]
    assert me["__typename"] == "EntityAccount" and me["id"] == str(world.entity.id)
    acting = me["actingPerson"]
    assert acting["role"] == "AGENT" and acting["maskedName"] == "赵**"
    assert acting["maskedCertificateNumber"] == "*" * 11 + resident_id(seq="171")[-4:]
    own = (await api.data(ME, token=await world.entity_token()))["me"]
    assert own["id"] == str(world.entity.id) and own["actingPerson"] is None


ME_ID = "{ me { __typename ... on EntityAccount { id } } }"


async def test_me_of_a_proxy_session_costs_one_statement_with_its_whole_chain(api, rt, queries):  # noqa: F811
    """The session, the entity and the three grants of the chain come in one statement, read afresh on every
    request: ending a grant anywhere up the chain (written as another worker would, straight to the database)
    refuses the session's very next request."""
    world = await Delegation.build(rt)
    second = await person(rt, "13700002222", "181", "钱二")
    third = await person(rt, "13700003333", "191", "孙三")
    two = await store_grant(rt, world.entity.id, world.grant, second.id)
    three = await store_grant(rt, world.entity.id, two, third.id, may_grant_onward=False)
    tokens = [await world.agent_token(three) for _ in range(3)]
    for token in tokens:
        await api.data(ME_ID, token=token)  # the session is touched at most once a minute; warm it
    own = await world.entity_token()  # the entity's own session: the same one statement
    await api.data(ME_ID, token=own)
    queries.clear()
    assert (await api.data(ME_ID, token=own))["me"]["id"] == str(world.entity.id)
    assert len(queries) == 1, queries
    queries.clear()
    assert (await api.data(ME_ID, token=tokens[0]))["me"]["id"] == str(world.entity.id)
    assert len(queries) == 1, queries
    row = await Sessions(rt).resolve_with_account(tokens[0])
    assert row is not None and [g.id for g in row.grant_chain or ()] == [world.grant.id, two.id, three.id]
    assert row.grant_chain[0].scope == ["social", "tax"] and row.grant_chain[0].starts_at == world.grant.starts_at

    await Grant.filter(id=world.grant.id).update(state=GrantState.CANCELLED)  # the root, two levels up
    assert (await api.data(ME_ID, token=tokens[0]))["me"] is None
    assert (await Session.get(token_hash=token_digest(tokens[0]))).revoked_reason == "grant_ended"
    await Grant.filter(id=world.grant.id).update(state=GrantState.ACTIVE)
    await Grant.filter(id=two.id).update(ends_at=rt.clock.now())  # the middle link ends now
    assert (await api.data(ME_ID, token=tokens[1]))["me"] is None
    await Grant.filter(id=two.id).update(ends_at=world.grant.ends_at)
    await Grant.filter(id=two.id).delete()  # a broken chain (a missing link) opens nothing
    assert (await api.data(ME_ID, token=tokens[2]))["me"] is None
    assert await Session.filter(subject_kind=SubjectKind.ENTITY, revoked_reason="grant_ended").count() == 3


async def test_the_audit_names_the_agent_and_the_entity(api, rt):
    world = await Delegation.build(rt)
    token = await world.agent_token()
    assert (await api.data(LOGOUT, token=token))["logout"]["__typename"] == "LoggedOut"
    event = await AuditEvent.get(event_type="logout")
    assert (event.subject_kind, event.subject_id) == ("entity", world.entity.id)
    assert (event.actor_kind, event.actor_id) == ("person", world.agent.id)
    assert event.details["actor_role"] == "agent" and event.details["acting_for"] == f"entity:{world.entity.id}"


async def test_the_agents_cancellation_ends_their_proxy_sessions(api, rt):
    world = await Delegation.build(rt)
    proxy = await world.agent_token()
    other_agent_session = await world.agent_token()
    entity_own = await world.entity_token()
    person_token = (await api.login(AGENT_PHONE))["token"]
    assert (await api.data(MY_CODE, token=person_token))["sendMyPhoneCode"]["__typename"] == "SmsCodeSent"
    form = {"certificateNumber": resident_id(seq="171"), "smsCode": api.last_code(AGENT_PHONE)}
    done = (await api.data(CANCEL, {"i": form}, token=person_token))["cancelAccount"]
    assert done == {"__typename": "AccountCancelled", "ok": True}, done
    for token in (proxy, other_agent_session):
        assert (await api.data(ME, token=token))["me"] is None
    assert (await api.data(ME, token=entity_own))["me"]["id"] == str(world.entity.id)  # the entity's own stays
    assert await Session.filter(actor_id=world.agent.id, revoked_at__isnull=True).count() == 0
    event = await AuditEvent.get(event_type="person.cancelled")
    assert event.details["proxy_sessions_ended"] == 2


async def test_the_agents_cancellation_ends_the_grants_held_and_given_and_the_sessions_on_them(api, rt):
    world = await Delegation.build(rt)
    second = await person(rt, "13700002222", "181", "钱二")
    third = await person(rt, "13700003333", "191", "孙三")
    given = await store_grant(rt, world.entity.id, world.grant, second.id)
    below = await store_grant(rt, world.entity.id, given, third.id, may_grant_onward=False)
    others = await store_grant(rt, world.entity.id, None, third.id)  # another chain stays
    on_given = await world.agent_token(given)
    person_token = (await api.login(AGENT_PHONE))["token"]
    assert (await api.data(MY_CODE, token=person_token))["sendMyPhoneCode"]["__typename"] == "SmsCodeSent"
    form = {"certificateNumber": resident_id(seq="171"), "smsCode": api.last_code(AGENT_PHONE)}
    done = (await api.data(CANCEL, {"i": form}, token=person_token))["cancelAccount"]
    assert done["__typename"] == "AccountCancelled", done
    states = {g.id: (g.state, g.end_reason) for g in await Grant.all()}
    assert states[world.grant.id] == ("CANCELLED", "person_cancelled")
    assert states[given.id] == states[below.id] == ("CANCELLED", "parent_ended")
    assert states[others.id] == ("ACTIVE", None)
    assert (await api.data(ME, token=on_given))["me"] is None  # 钱二's proxy session on the grant given
    assert await GrantRecord.filter(grant_id=below.id, action="ended").exists()
    event = await AuditEvent.get(event_type="person.cancelled")
    assert event.details["grants_ended"] == 3
