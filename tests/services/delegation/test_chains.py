"""Reading a grant's chain from the database and checking it at use (what proxy login and the check rely on)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from uidp.domain.delegation import GrantState
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.grant import Grant
from uidp.services.delegation.chains import chain_of, check_grant_use

pytestmark = pytest.mark.anyio


async def store_grant(rt, entity, parent: Grant | None, grantee, **overrides) -> Grant:
    now = rt.clock.now()
    grant_id = uuid.uuid4()
    values = dict(
        id=grant_id,
        entity_id=entity,
        parent_id=parent.id if parent else None,
        root_id=parent.root_id if parent else grant_id,
        depth=parent.depth + 1 if parent else 1,
        grantor_id=parent.grantee_id if parent else entity,
        grantee_id=grantee,
        scope=["social", "tax"],
        starts_at=now,
        ends_at=now + timedelta(days=30),
        may_grant_onward=True,
        created_at=now,
        updated_at=now,
    )
    values.update(overrides)
    return await Grant.create(**values)


async def test_chain_reads_level_one_first_and_checks_every_link(rt):
    entity, alice, bob, carol = (uuid.uuid4() for _ in range(4))
    one = await store_grant(rt, entity, None, alice)
    two = await store_grant(rt, entity, one, bob)
    three = await store_grant(rt, entity, two, carol, may_grant_onward=False, scope=["tax"])
    await store_grant(rt, entity, one, carol)  # a sibling branch is not part of the chain
    assert [g.id for g in await chain_of(three.id)] == [one.id, two.id, three.id]
    assert [g.id for g in await check_grant_use(three.id, "tax", rt.clock.now())] == [one.id, two.id, three.id]
    with pytest.raises(DomainError) as caught:
        await check_grant_use(three.id, "social", rt.clock.now())
    assert caught.value.code == ErrorCode.OUT_OF_SCOPE
    await Grant.filter(id=one.id).update(state=GrantState.CANCELLED)
    with pytest.raises(DomainError) as caught:
        await check_grant_use(three.id, "tax", rt.clock.now())
    assert caught.value.code == ErrorCode.GRANT_CANCELLED


async def test_unknown_grant_is_not_found(rt):
    with pytest.raises(DomainError) as caught:
        await chain_of(uuid.uuid4())
    assert caught.value.code == ErrorCode.NOT_FOUND
