"""Proxy sessions (E3) through HTTP: `me` shows the agent and the entity, the audit names both, and the agent's
cancellation (P10) ends every proxy session the agent holds."""

from __future__ import annotations

import pytest

from tests.graph.proxy_support import AGENT_PHONE, Delegation, person
from tests.services.delegation.test_chains import store_grant
from tests.support import resident_id
from uidp.models.audit import AuditEvent
from uidp.models.grant import Grant, GrantRecord
from uidp.models.session import Session

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
