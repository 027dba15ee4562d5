"""The cascade from outside delegation: a person's cancellation (P10) ends every grant they hold or gave."""

from __future__ import annotations

import uuid

import pytest

from tests.graph.delegation_api import Delegation
from tests.services.delegation.test_chains import store_grant
from tests.services.persons.test_cancellation import cancel_code, log_in, register
from tests.support import resident_id
from uidp.domain.delegation import EndReason, GrantState
from uidp.models.audit import AuditEvent
from uidp.models.grant import Grant, GrantRecord
from uidp.models.session import Session
from uidp.services.delegation.cascade import Cascade
from uidp.services.persons.cancellation import CancellationService
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")


async def test_cancelling_an_account_ends_the_grants_held_and_given_and_their_proxy_sessions(api, rt):
    person = await register(rt)
    me, _ = await log_in(rt)
    world = Delegation(api, rt)
    entity, _ = await world.entity()
    other, _ = await world.person("王五")
    held = await store_grant(rt, entity.id, None, person.id)
    given = await store_grant(rt, entity.id, held, other.id)
    unrelated = await store_grant(rt, entity.id, None, other.id)
    _, proxy_session = await world.proxy_session(entity, other, str(given.id))
    code = await cancel_code(rt, me)
    await CancellationService(rt).cancel(me, resident_id(), code, CLIENT)
    assert {(g.id, g.state, g.end_reason) for g in await Grant.filter(id__in=[held.id, given.id])} == {
        (held.id, GrantState.CANCELLED, EndReason.PERSON_CANCELLED.value),
        (given.id, GrantState.CANCELLED, EndReason.PARENT_ENDED.value),
    }
    assert (await Grant.get(id=unrelated.id)).state == GrantState.ACTIVE
    assert (await Session.get(id=proxy_session)).revoked_reason == "grant_ended"
    assert (await AuditEvent.get(event_type="person.cancelled")).details["grants_ended"] == 2


async def test_two_cascades_over_one_grant_write_its_end_once(rt):
    entity, alice, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    one = await store_grant(rt, entity, None, alice)
    two = await store_grant(rt, entity, one, bob)
    first = await Cascade(rt).end([(one, EndReason.CANCELLED)], actor=None)
    second = await Cascade(rt).end([(one, EndReason.CANCELLED), (two, EndReason.CANCELLED)], actor=None)
    assert set(first.grants) == {one.id, two.id} and second.grants == {}
    assert await GrantRecord.filter(grant_id=two.id).count() == 1
