"""Slot leases (uidp.services.shared.leases): a burst gets exactly ``limit`` slots, a released or lapsed slot is
free again, a refresh keeps a slot that would lapse, and a holder never frees another's slot."""

from __future__ import annotations

import asyncio

import pytest

from uidp.services.shared.leases import acquire, open_socket_slot
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio


async def wait(clock, seconds: float) -> None:
    """Let ``seconds`` pass for the store: Redis keeps real time, the embedded store the test's clock."""
    clock.advance(seconds)
    await asyncio.sleep(seconds)


async def test_a_concurrent_burst_gets_exactly_the_limit(rt):
    leases = await asyncio.gather(*(acquire(rt.store, "burst", 20, 30) for _ in range(60)))
    held = [lease for lease in leases if lease is not None]
    assert len(held) == 20
    assert len({lease.key for lease in held}) == 20
    await held[0].release()
    again = await acquire(rt.store, "burst", 20, 30)
    assert again is not None and again.key == held[0].key
    assert await acquire(rt.store, "burst", 20, 30) is None


async def test_a_slot_lapses_unless_refreshed_and_only_its_holder_frees_it(rt, clock):
    kept = await acquire(rt.store, "lapse", 1, 1.5)
    assert kept is not None
    await wait(clock, 0.9)
    assert await kept.refresh()
    await wait(clock, 0.9)  # past the first ttl: the refresh kept it
    assert await acquire(rt.store, "lapse", 1, 1.5) is None
    await wait(clock, 1.7)  # no refresh: it lapses, and another takes it
    other = await acquire(rt.store, "lapse", 1, 1.5)
    assert other is not None
    assert not await kept.refresh()
    await kept.release()  # the old holder's release leaves the new holder's slot alone
    assert await acquire(rt.store, "lapse", 1, 1.5) is None
    await other.release()


async def test_kept_refreshes_in_the_background_and_releases_at_the_end(rt):
    lease = await acquire(rt.store, "kept", 1, 0.9)
    assert lease is not None
    with pytest.raises(RuntimeError):
        async with lease.kept():
            await asyncio.sleep(1.5)  # longer than the ttl: the keeper refreshed it
            assert await acquire(rt.store, "kept", 1, 0.9) is None
            raise RuntimeError("the block fails")
    assert await acquire(rt.store, "kept", 1, 0.9) is not None  # released however the block ended


async def test_socket_slots_are_counted_per_address(rt):
    here, there = ClientInfo("198.51.100.7"), ClientInfo("198.51.100.8")
    assert all([await open_socket_slot(rt, here, 2), await open_socket_slot(rt, here, 2)])
    assert await open_socket_slot(rt, here, 2) is None
    assert await open_socket_slot(rt, there, 2) is not None
    assert await open_socket_slot(rt, ClientInfo("2001:db8::1"), 1) is not None
    assert await open_socket_slot(rt, ClientInfo("2001:db8::2"), 1) is None  # one /64 is one address
