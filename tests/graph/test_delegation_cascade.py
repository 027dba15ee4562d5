"""E9 cascade and sweeper through HTTP: a cancel at the root of a 50-grant tree, expiry, reminders, E8."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from plugins.sandbox import registry as sandbox
from tests.graph.delegation_api import READ, REVOKE, Delegation
from tests.graph.test_entity_changes import LEGAL, legal, login
from tests.services.entities.test_entity_changes import make_entity, make_person
from uidp.chores import sweep_once
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.grant import Grant
from uidp.models.session import Session
from uidp.services.auth.session_watch import SessionWatch
from uidp.services.delegation.chains import check_grant_use
from uidp.services.delegation.sweeper import GrantSweeper
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio
ME = "{ me { __typename } }"


@pytest.fixture
async def world(api, rt):
    world = Delegation(api, rt)
    await world.items("tax", "social")
    return world


async def test_a_cancel_at_the_root_of_fifty_grants_leaves_nothing_active(world, api, rt):
    """1 + 7 + 42 grants in three levels, proxy sessions on a dozen of them; one revokeGrant at the root."""
    entity, token = await world.entity()
    people = [await world.person("测试" + "甲乙丙丁戊"[i // 10] + "子丑寅卯辰巳午未申酉"[i % 10]) for i in range(50)]
    candidates = [await world.candidate(token, person) for person, _ in people]
    root = await world.granted(token, candidates[0], ["tax", "social"], days=60, mayGrantOnward=True)
    grants = [(root, people[0])]
    holder_token = people[0][1]
    index = 1
    for _ in range(7):
        middle = await world.granted(
            holder_token, candidates[index], ["tax", "social"], days=50, under=root["id"], mayGrantOnward=True
        )
        middle_holder = people[index]
        grants.append((middle, middle_holder))
        index += 1
        for _ in range(6):
            leaf = await world.granted(middle_holder[1], candidates[index], ["tax"], days=40, under=middle["id"])
            grants.append((leaf, people[index]))
            index += 1
    assert len(grants) == 50 and {g["depth"] for g, _ in grants} == {1, 2, 3}
    assert await Grant.filter(entity_id=entity.id, state="ACTIVE").count() == 50
    proxies = [await world.proxy_session(entity, person, grant["id"]) for grant, (person, _) in grants[::4]]
    for proxy_token, _ in proxies:
        assert (await api.data(ME, token=proxy_token))["me"] is not None
    watcher = asyncio.create_task(SessionWatch(rt, poll_seconds=60).until_ended("entity", entity.id, proxies[-1][1]))
    await asyncio.sleep(0.05)
    rt.clock.advance(1)
    revoked = await world.call(REVOKE, token, input={"grantId": root["id"]})
    assert (revoked["grant"]["status"], revoked["endedBelow"]) == ("CANCELLED", 49)
    assert await Grant.filter(entity_id=entity.id, state="ACTIVE").count() == 0
    assert await Session.filter(grant_id__isnull=False, revoked_at__isnull=True).count() == 0
    for proxy_token, _ in proxies:
        assert (await api.data(ME, token=proxy_token))["me"] is None
    ended = await asyncio.wait_for(watcher, 2)  # the sessionEnded subscription is woken at once
    assert ended.reason == "grant_ended"
    leaf = await world.call(READ, token, id=grants[-1][0]["id"])
    assert (leaf["status"], leaf["endReason"], leaf["history"][-1]["action"]) == ("CANCELLED", "parent_ended", "ended")
    (event,) = await AuditEvent.filter(event_type="delegation.grant_cancelled")
    assert (event.details["grants_ended"], event.details["sessions_ended"]) == (50, len(proxies))
    # the entity's own session is untouched
    assert (await api.data(ME, token=token))["me"] is not None


async def test_expiry_is_seen_at_use_at_once_and_swept_with_the_cascade(world, api, rt, clock):
    entity, token = await world.entity()
    (li, li_token), (wang, _) = await world.person("李四"), await world.person("王五")
    one = await world.granted(token, await world.candidate(token, li), ["tax"], days=2, mayGrantOnward=True)
    two = await world.granted(li_token, await world.candidate(token, wang), ["tax"], days=1, under=one["id"])
    await world.proxy_session(entity, wang, two["id"])
    clock.advance(2 * 86400 + 1)
    token = await world.session("entity", entity.id)  # the first session has timed out meanwhile
    with pytest.raises(DomainError) as caught:
        await check_grant_use(one["id"], "tax", clock.now())  # before any sweep
    assert caught.value.code == ErrorCode.GRANT_EXPIRED
    assert (await world.call(READ, token, id=one["id"]))["status"] == "EXPIRED"
    report = await GrantSweeper(rt).sweep()
    assert (report.expired, report.ended_below, report.sessions_ended) == (2, 0, 1)
    assert {g.state.value for g in await Grant.filter(entity_id=entity.id)} == {"EXPIRED"}
    assert await Session.filter(grant_id__isnull=False, revoked_at__isnull=True).count() == 0
    assert (await AuditEvent.get(event_type="delegation.grants_expired")).details["grants_expired"] == 2
    assert (await GrantSweeper(rt).sweep()).expired == 0  # idempotent


async def test_the_reminder_goes_once_before_expiry_even_with_two_sweepers(world, rt, clock):
    _, token = await world.entity()
    li, _ = await world.person("李四")
    await world.granted(token, await world.candidate(token, li), ["tax"], days=5)
    await GrantSweeper(rt).sweep()
    assert sandbox_messages(rt, phone=li.phone) == []  # not yet inside the reminder window
    clock.advance(5 * 86400 - rt.settings.grant_reminder_hours * 3600 + 60)
    reports = await asyncio.gather(GrantSweeper(rt).sweep(), GrantSweeper(rt).sweep())
    assert sum(report.reminded for report in reports) == 1
    (sms,) = sandbox_messages(rt, phone=li.phone)
    assert "到期" in sms["text"] and "湖北" in sms["text"]
    assert (await GrantSweeper(rt).sweep()).reminded == 0


async def test_grants_are_swept_by_the_one_sweep_once_across_workers(world, rt, clock):
    _, token = await world.entity()
    li, _ = await world.person("李四")
    await world.granted(token, await world.candidate(token, li), ["tax"], days=1)
    clock.advance(86400 + 1)
    reports = await asyncio.gather(sweep_once(rt), sweep_once(rt))
    swept = [lines for lines in reports if any(line.startswith("grants: ") for line in lines)]
    assert len(swept) == 1, reports  # the other found the lock taken
    assert "grants: expired 1 grants" in "\n".join(swept[0])
    assert await Grant.filter(state="EXPIRED").count() == 1


async def test_a_new_legal_representative_ends_every_grant(world, api, rt):
    """E8: the new representative has not given the old one's delegations; every grant and proxy session ends."""
    entity = await make_entity(rt)
    token = await login(api)
    li, li_token = await world.person("李四")
    wang, _ = await world.person("王五")
    one = await world.granted(token, await world.candidate(token, li), ["tax"], mayGrantOnward=True)
    two = await world.granted(li_token, await world.candidate(token, wang), ["tax"], days=10, under=one["id"])
    proxy, _ = await world.proxy_session(entity, wang, two["id"])
    registry = rt.plugins.verifiers.get("business_registry")
    registry.records[sandbox.ACTIVE_ENTERPRISE] = replace(
        registry.records[sandbox.ACTIVE_ENTERPRISE],
        name="湖北楚天新名测试科技有限公司",
        representative_name=sandbox.OTHER_REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.OTHER_REPRESENTATIVE_ID,
    )
    await make_person(rt, sandbox.OTHER_REPRESENTATIVE_NAME, sandbox.OTHER_REPRESENTATIVE_ID, "15012341111")
    changed = (await api.data(LEGAL, legal(), token=token))["changeEntityLegalInformation"]
    assert changed["__typename"] == "EntityLegalInformationChanged", changed
    rows = await Grant.filter(entity_id=entity.id)
    assert {(g.state.value, g.end_reason) for g in rows} == {("CANCELLED", "representative_changed")}
    assert (await api.data(ME, token=proxy))["me"] is None
    event = await AuditEvent.get(event_type="entity.legal_information_changed")
    assert event.details["grants_ended"] == 2
