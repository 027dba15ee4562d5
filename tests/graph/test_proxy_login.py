"""E3 proxy login through HTTP: credit code + the agent's phone or ID number + the agent's own password.

The session is the entity's, acted in by the agent under one grant; the agent's lockout applies; every grant
state but "in force" is refused with its own code and stores nothing; the grant is checked at every use.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.graph.proxy_support import AGENT_PHONE, AGENT_SEQ, Delegation, person
from tests.services.delegation.test_chains import store_grant
from tests.support import LOGIN, count_password_checks, forwarded, resident_id
from uidp.domain.delegation import GrantState
from uidp.models.audit import AuditEvent
from uidp.models.grant import Grant
from uidp.models.session import Session

pytestmark = pytest.mark.anyio

WRONG = "Wrong#2026pw"
ME = "{ me { __typename ... on EntityAccount { id actingPerson { role maskedName grantId } } } }"
PROXY = "203.0.113.7"  # the test client's socket address, trusted so each request may bring its own


@pytest.fixture
def settings(make_settings):
    return make_settings(trusted_proxies=PROXY)


async def test_the_agent_logs_in_for_the_entity_and_me_shows_both(api, rt):
    world = await Delegation.build(rt)
    done = await world.login(api)
    assert done["__typename"] == "LoginSuccess", done
    viewer = done["viewer"]
    assert viewer["id"] == str(world.entity.id)
    assert viewer["actingPerson"] == {"role": "AGENT", "maskedName": "赵**", "grantId": str(world.grant.id)}
    me = (await api.data(ME, token=done["token"]))["me"]
    assert me == viewer
    session = await Session.get(subject_id=world.entity.id)
    assert (session.subject_kind, session.actor_id, session.actor_role, session.grant_id) == (
        "entity",
        world.agent.id,
        "agent",
        world.grant.id,
    )
    event = await AuditEvent.get(event_type="login.succeeded")
    assert (event.subject_kind, event.subject_id, event.actor_kind, event.actor_id) == (
        "entity",
        world.entity.id,
        "person",
        world.agent.id,
    )
    assert event.details["grant_id"] == str(world.grant.id) and event.details["method"] == "agent"


async def test_the_agents_id_number_works_too_and_the_item_picks_a_covering_grant(api, rt):
    world = await Delegation.build(rt, scope=["social"])
    wider = await store_grant(rt, world.entity.id, None, world.agent.id, scope=["tax"])
    done = await world.login(api, identifier=resident_id(seq=AGENT_SEQ), serviceItem="tax")
    assert done["__typename"] == "LoginSuccess", done
    assert done["viewer"]["actingPerson"]["grantId"] == str(wider.id)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"state": GrantState.CANCELLED}, "GRANT_CANCELLED", "creditCode"),
        ({"state": GrantState.EXPIRED}, "GRANT_EXPIRED", "creditCode"),
        ("past", "GRANT_EXPIRED", "creditCode"),
        ("future", "GRANT_NOT_STARTED", "creditCode"),
        ("item", "OUT_OF_SCOPE", "serviceItem"),
        ("parent", "GRANT_CANCELLED", "creditCode"),
    ],
)
async def test_a_grant_not_in_force_is_refused_and_nothing_is_stored(api, rt, clock, change, code, field):
    world = await Delegation.build(rt)
    extra = {}
    if change == "past":
        clock.advance(31 * 86400)
    elif change == "future":
        await Grant.filter(id=world.grant.id).update(starts_at=clock.now() + timedelta(days=1))
    elif change == "item":
        extra = {"serviceItem": "housing"}
    elif change == "parent":
        # the agent holds a level-2 grant under a cancelled level-1 grant of someone else
        other = await person(rt, "13700002222", "181", "钱上级")
        top = await store_grant(rt, world.entity.id, None, other.id, state=GrantState.CANCELLED)
        await Grant.filter(id=world.grant.id).delete()
        await store_grant(rt, world.entity.id, top, world.agent.id)
    else:
        await Grant.filter(id=world.grant.id).update(**change)
    refused = await world.login(api, **extra)
    assert (refused["__typename"], refused["code"], refused["field"]) == ("FieldError", code, field), refused
    assert not await Session.filter(subject_id=world.entity.id).exists()
    event = await AuditEvent.get(event_type="login.refused")
    assert event.details["reason"] == f"grant_{code.lower()}" and event.outcome == "failure"


async def test_no_grant_and_an_unknown_entity_answer_alike(api, rt):
    world = await Delegation.build(rt)
    stranger = await person(rt, "13700003333", "191", "孙路人")
    none = await world.login(api, identifier="13700003333")
    unknown = await world.login(api, creditCode="91350100M000100Y43")
    assert (none["code"], none["field"]) == ("NO_ACTIVE_GRANT", "creditCode")
    assert {k: v for k, v in unknown.items()} == none
    assert not await Session.filter(actor_id=stranger.id).exists()


async def test_bad_input_is_refused_before_any_lookup(api, rt):
    world = await Delegation.build(rt)
    malformed = await world.login(api, creditCode="91420100MA4KXXXX1B")
    assert (malformed["code"], malformed["field"]) == ("INVALID_CREDIT_CODE", "creditCode")
    assert (await world.login(api, creditCode=""))["code"] == "REQUIRED"
    assert (await world.login(api, serviceItem="x" * 65))["field"] == "serviceItem"
    assert not await AuditEvent.filter(event_type__in=["login.failed", "login.refused"]).exists()


async def test_a_wrong_password_answers_like_any_login_and_counts_on_the_agent(api, rt):
    world = await Delegation.build(rt)
    wrong = await world.login(api, password=WRONG)
    unknown = await world.login(api, identifier="13700009999", password=WRONG)
    for answer in (wrong, unknown):
        assert (answer["__typename"], answer["code"]) == ("LoginFailed", "INVALID_CREDENTIALS"), answer
    for n in range(rt.settings.login_lock_after - 1):
        captcha = await api.captcha()
        answer = await world.login(
            api, password=WRONG, captchaId=captcha[0], captchaAnswer=captcha[1], headers=forwarded(n)
        )
        assert answer["code"] in ("INVALID_CREDENTIALS", "CAPTCHA_REQUIRED"), answer
    # the agent's own account is locked now, for proxy login and for the person's own login alike
    captcha = await api.captcha()
    locked = await world.login(api, captchaId=captcha[0], captchaAnswer=captcha[1], headers=forwarded(90))
    assert (locked["__typename"], locked["code"]) == ("LoginFailed", "INVALID_CREDENTIALS"), locked
    captcha = await api.captcha()
    own = (
        await api.data(
            LOGIN,
            {
                "i": {
                    "identifier": AGENT_PHONE,
                    "password": world.agent_password,
                    "captchaId": captcha[0],
                    "captchaAnswer": captcha[1],
                }
            },
            headers=forwarded(91),
        )
    )["loginWithPassword"]
    assert own["code"] == "INVALID_CREDENTIALS", own
    assert not await Session.filter(subject_id=world.entity.id).exists()


async def test_a_burst_of_wrong_proxy_logins_checks_at_most_the_lock_threshold(api, rt, monkeypatch):
    """Counted before the check: concurrent wrong passwords from many addresses, each with a captcha."""
    world = await Delegation.build(rt)
    checks = count_password_checks(rt, monkeypatch)
    burst = 30
    captchas = [await api.captcha() for _ in range(burst)]
    answers = await asyncio.gather(
        *(
            world.login(api, password=WRONG, captchaId=c[0], captchaAnswer=c[1], headers=forwarded(n))
            for n, c in enumerate(captchas)
        )
    )
    assert len(checks) <= rt.settings.login_lock_after and not any(checks)
    assert all(answer["__typename"] == "LoginFailed" for answer in answers)


async def test_the_grant_is_checked_at_every_use_of_the_session(api, rt, clock):
    world = await Delegation.build(rt)
    tokens = [(await world.login(api))["token"] for _ in range(3)]
    for token in tokens:
        assert (await api.data(ME, token=token))["me"]
    await Grant.filter(id=world.grant.id).update(state=GrantState.CANCELLED)
    assert (await api.data(ME, token=tokens[0]))["me"] is None
    assert (await Session.get(grant_id=world.grant.id, revoked_reason="grant_ended")).revoked_at is not None
    await Grant.filter(id=world.grant.id).update(state=GrantState.ACTIVE)  # revoked stays revoked
    assert (await api.data(ME, token=tokens[0]))["me"] is None
    # past the grant's end (well inside the session's own timeouts), before any sweeper marks it expired
    await Grant.filter(id=world.grant.id).update(ends_at=clock.now() + timedelta(minutes=10))
    clock.advance(11 * 60)
    assert (await api.data(ME, token=tokens[1]))["me"] is None
    assert await Session.filter(grant_id=world.grant.id, revoked_reason="grant_ended").count() == 2
