"""One contract for every Store implementation: memory (fake clock) and Redis (real time, unique prefix)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import anyio
import pytest

from uidp.store import MemoryStore, Store, Subscription, open_store
from uidp.store.redis import RedisStore

REDIS_URL = os.environ.get("UIDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Harness:
    """A store plus a way to let time pass (fake for memory, real sleep for Redis)."""

    store: Store
    advance: Callable[[float], Awaitable[None]]


_probe_result: list[str | None] = []


async def _redis_reachable() -> str | None:
    """None if Redis answers, else why not (probed once per test session)."""
    if _probe_result:
        return _probe_result[0]
    _probe_result.append(await _probe())
    return _probe_result[0]


async def _probe() -> str | None:
    probe = RedisStore(REDIS_URL, prefix="uidp-test-probe:", socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await probe.close()
    return None


@pytest.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        clock = FakeClock()
        memory = MemoryStore(clock=clock)

        async def move(seconds: float) -> None:
            clock.now += seconds

        yield Harness(memory, move)
        await memory.close()
        return

    problem = await _redis_reachable()
    if problem is not None:
        if os.environ.get("UIDP_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {REDIS_URL} unreachable and UIDP_REQUIRE_REDIS=1: {problem}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable ({problem}); set UIDP_TEST_REDIS_URL or start Redis")
    prefix = f"uidp-test:{uuid.uuid4().hex}:"
    redis_store = RedisStore(REDIS_URL, prefix=prefix)
    try:
        yield Harness(redis_store, anyio.sleep)
    finally:
        keys = [key async for key in redis_store.client.scan_iter(match=prefix + "*")]
        if keys:
            await redis_store.client.delete(*keys)
        await redis_store.close()


@pytest.mark.anyio
async def test_set_get_delete(harness: Harness) -> None:
    store = harness.store
    assert await store.get("a") is None
    await store.set("a", "1", 10)
    assert await store.get("a") == "1"
    await store.set("a", "2", 10)
    assert await store.get("a") == "2"
    await store.delete("a")
    assert await store.get("a") is None
    await store.delete("a")  # deleting a missing key is fine


@pytest.mark.anyio
async def test_ttl_expiry(harness: Harness) -> None:
    store = harness.store
    await store.set("short", "v", 0.2)
    await store.set("long", "v", 30)
    assert await store.get("short") == "v"
    await harness.advance(0.3)
    assert await store.get("short") is None
    assert await store.take("short") is None
    assert await store.ttl("short") is None
    assert await store.get("long") == "v"


@pytest.mark.anyio
async def test_ttl_reports_seconds_left(harness: Harness) -> None:
    store = harness.store
    assert await store.ttl("missing") is None
    await store.set("k", "v", 10)
    left = await store.ttl("k")
    assert left is not None and 9.0 < left <= 10.0
    await store.set("k", "v", 0.5)  # set replaces the TTL too
    left = await store.ttl("k")
    assert left is not None and 0 < left <= 0.5


@pytest.mark.anyio
@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf")])
async def test_invalid_ttl_rejected(harness: Harness, ttl: float) -> None:
    with pytest.raises(ValueError):
        await harness.store.set("k", "v", ttl)


@pytest.mark.anyio
async def test_set_if_absent(harness: Harness) -> None:
    store = harness.store
    assert await store.set_if_absent("lock", "first", 0.2)
    assert not await store.set_if_absent("lock", "second", 0.2)
    assert await store.get("lock") == "first"
    await harness.advance(0.3)
    assert await store.set_if_absent("lock", "third", 10)
    assert await store.get("lock") == "third"


@pytest.mark.anyio
async def test_set_if_absent_concurrent_single_winner(harness: Harness) -> None:
    wins: list[int] = []

    async def claim(i: int) -> None:
        if await harness.store.set_if_absent("claim", str(i), 10):
            wins.append(i)

    async with anyio.create_task_group() as tg:
        for i in range(50):
            tg.start_soon(claim, i)
    assert len(wins) == 1
    assert await harness.store.get("claim") == str(wins[0])


@pytest.mark.anyio
async def test_take_is_single_use_under_concurrency(harness: Harness) -> None:
    store = harness.store
    await store.set("code", "digest", 10)
    results: list[str | None] = []

    async def taker() -> None:
        results.append(await store.take("code"))

    async with anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(taker)
    assert len(results) == 50
    assert results.count("digest") == 1
    assert results.count(None) == 49
    assert await store.get("code") is None


@pytest.mark.anyio
async def test_replace_keeps_the_expiry_and_never_revives(harness: Harness) -> None:
    store = harness.store
    assert not await store.replace("ticket", "v2")  # a missing key stays missing
    assert await store.get("ticket") is None
    await store.set("ticket", "v1", 0.5)
    assert await store.replace("ticket", "v2")
    assert await store.get("ticket") == "v2"
    left = await store.ttl("ticket")
    assert left is not None and 0 < left <= 0.5  # the original expiry, not a new one
    await harness.advance(0.6)
    assert not await store.replace("ticket", "v3")
    assert await store.get("ticket") is None
    await store.set("taken", "v1", 10)
    assert await store.take("taken") == "v1"
    assert not await store.replace("taken", "v2")
    assert await store.get("taken") is None


@pytest.mark.anyio
async def test_compare_and_set_moves_only_from_the_value_read(harness: Harness) -> None:
    store = harness.store
    assert not await store.compare_and_set("t", "a", "b")  # missing stays missing
    assert await store.get("t") is None
    await store.set("t", "a", 0.5)
    assert not await store.compare_and_set("t", "other", "b")
    assert await store.get("t") == "a"
    assert await store.compare_and_set("t", "a", "b")
    assert await store.get("t") == "b"
    left = await store.ttl("t")
    assert left is not None and 0 < left <= 0.5  # the original expiry, not a new one
    assert not await store.compare_and_set("t", "a", "c")  # a stale read loses
    await harness.advance(0.6)
    assert not await store.compare_and_set("t", "b", "c")  # expired: never revived
    assert await store.get("t") is None


@pytest.mark.anyio
async def test_compare_and_set_concurrent_single_winner(harness: Harness) -> None:
    store = harness.store
    await store.set("ticket", "SCANNED", 10)
    wins: list[int] = []

    async def confirm(i: int) -> None:
        if await store.compare_and_set("ticket", "SCANNED", f"CONFIRMED-{i}"):
            wins.append(i)

    async with anyio.create_task_group() as tg:
        for i in range(50):
            tg.start_soon(confirm, i)
    assert len(wins) == 1
    assert await store.get("ticket") == f"CONFIRMED-{wins[0]}"


@pytest.mark.anyio
async def test_compare_and_delete_only_the_value_read(harness: Harness) -> None:
    store = harness.store
    assert not await store.compare_and_delete("v", "a")
    await store.set("v", "a", 10)
    assert not await store.compare_and_delete("v", "b")
    assert await store.get("v") == "a"
    results: list[bool] = []

    async def spend() -> None:
        results.append(await store.compare_and_delete("v", "a"))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(spend)
    assert results.count(True) == 1
    assert await store.get("v") is None


@pytest.mark.anyio
async def test_compare_and_expire_extends_only_the_value_held(harness: Harness) -> None:
    store = harness.store
    assert not await store.compare_and_expire("lease", "a", 10)  # missing: nothing created
    assert await store.get("lease") is None
    await store.set("lease", "a", 0.5)
    assert not await store.compare_and_expire("lease", "b", 10)  # another holder's value: unchanged
    left = await store.ttl("lease")
    assert left is not None and left <= 0.5
    assert await store.compare_and_expire("lease", "a", 10)
    left = await store.ttl("lease")
    assert left is not None and 9.0 < left <= 10.0
    assert await store.get("lease") == "a"
    await harness.advance(0.7)  # past the first expiry: the extension holds
    assert await store.get("lease") == "a"


@pytest.mark.anyio
async def test_compare_and_expire_never_extends_a_lease_taken_over(harness: Harness) -> None:
    """The race the lease refresh must not lose: its slot lapsed and another holder took it."""
    store = harness.store
    await store.set("lease", "old", 0.2)
    await harness.advance(0.3)
    assert await store.set_if_absent("lease", "new", 0.5)
    assert not await store.compare_and_expire("lease", "old", 30)
    left = await store.ttl("lease")
    assert left is not None and left <= 0.5  # the new holder's expiry, not the old holder's
    assert await store.get("lease") == "new"


@pytest.mark.anyio
async def test_incr_fixed_window(harness: Harness) -> None:
    store = harness.store
    assert await store.incr("fails", 0.5) == 1
    await harness.advance(0.2)
    assert await store.incr("fails", 0.5) == 2
    assert await store.incr("fails", 30) == 3  # a later, longer TTL does not extend the window
    left = await store.ttl("fails")
    assert left is not None and left <= 0.31
    await harness.advance(0.4)
    assert await store.get("fails") is None
    assert await store.incr("fails", 0.5) == 1


@pytest.mark.anyio
async def test_incr_concurrent(harness: Harness) -> None:
    async def bump() -> None:
        await harness.store.incr("hits", 10)

    async with anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(bump)
    assert await harness.store.get("hits") == "50"


@pytest.mark.anyio
async def test_decr_hands_back_within_the_window(harness: Harness) -> None:
    store = harness.store
    assert await store.decr("fails") == 0  # missing: nothing is created
    assert await store.get("fails") is None
    assert await store.incr("fails", 0.5) == 1
    assert await store.incr("fails", 0.5) == 2
    assert await store.decr("fails") == 1
    assert await store.decr("fails") == 0
    assert await store.decr("fails") == 0  # never below zero
    left = await store.ttl("fails")
    assert left is not None and 0 < left <= 0.5  # the window keeps its end
    await harness.advance(0.6)
    assert await store.decr("fails") == 0
    assert await store.get("fails") is None


@pytest.mark.anyio
async def test_incr_and_decr_concurrent(harness: Harness) -> None:
    await harness.store.incr("hits", 10)

    async def bump_and_back() -> None:
        await harness.store.incr("hits", 10)
        await harness.store.decr("hits")

    async with anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(bump_and_back)
    assert await harness.store.get("hits") == "1"


@pytest.mark.anyio
async def test_pubsub_context_manager_delivers(harness: Harness) -> None:
    store = harness.store
    with anyio.fail_after(5):
        async with (
            store.subscribe("ticket:1") as first,
            store.subscribe("ticket:1") as second,
            store.subscribe("ticket:2") as other,
        ):
            await store.publish("ticket:1", "SCANNED")
            await store.publish("ticket:2", "OTHER")
            await store.publish("ticket:1", "CONFIRMED")
            assert await anext(first) == "SCANNED"
            assert await anext(first) == "CONFIRMED"
            assert await anext(second) == "SCANNED"
            assert await anext(other) == "OTHER"
        await store.publish("ticket:1", "after close")  # no subscribers left: no error
        with pytest.raises(StopAsyncIteration):
            await anext(first)


@pytest.mark.anyio
async def test_pubsub_async_for_until_cancelled(harness: Harness) -> None:
    store = harness.store
    received: list[str] = []
    subscription: Subscription = store.subscribe("status")
    assert isinstance(subscription, Subscription)

    async def consume() -> None:
        async for message in subscription:
            received.append(message)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            # plain iteration subscribes lazily: publish until the consumer is listening
            while not received:
                await store.publish("status", "ping")
                await anyio.sleep(0.02)
            tg.cancel_scope.cancel()
    await subscription.aclose()
    assert set(received) == {"ping"}


@pytest.mark.anyio
async def test_store_satisfies_protocol(harness: Harness) -> None:
    assert isinstance(harness.store, Store)


@pytest.mark.anyio
async def test_redis_prefix_isolation() -> None:
    if await _redis_reachable() is not None:
        if os.environ.get("UIDP_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {REDIS_URL} unreachable and UIDP_REQUIRE_REDIS=1")
        pytest.skip(f"Redis at {REDIS_URL} unreachable")
    run = uuid.uuid4().hex
    one = open_store(REDIS_URL, prefix=f"uidp-test:{run}:one:")
    two = open_store(REDIS_URL, prefix=f"uidp-test:{run}:two:")
    try:
        await one.set("k", "one", 10)
        assert await two.get("k") is None
        assert isinstance(one, RedisStore)
        assert await one.client.get(f"uidp-test:{run}:one:k") == "one"
    finally:
        await one.delete("k")
        await one.close()
        await two.close()


def test_open_store_schemes() -> None:
    assert isinstance(open_store("memory://"), MemoryStore)
    assert isinstance(open_store("redis://127.0.0.1:6379/0", prefix="x:"), RedisStore)
    assert isinstance(open_store("rediss://example.invalid:6380/0"), RedisStore)
    for bad in ("postgres://db", "", "localhost:6379"):
        with pytest.raises(ValueError, match="unsupported store URL"):
            open_store(bad)


@pytest.mark.anyio
async def test_close_ends_waiting_subscribers(harness: Harness) -> None:
    store = harness.store
    received: list[str] = []

    async def consume(subscription: Subscription) -> None:
        async for message in subscription:
            received.append(message)
        received.append("<end>")

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg, store.subscribe("c") as subscription:
            tg.start_soon(consume, subscription)
            await store.publish("c", "m")
            while not received:
                await anyio.sleep(0.01)
            await store.close()
    assert received == ["m", "<end>"]


@pytest.mark.anyio
async def test_a_channel_left_and_joined_again_still_delivers(harness: Harness) -> None:
    store = harness.store
    with anyio.fail_after(5):
        async with store.subscribe("t") as first, store.subscribe("t") as second:
            await first.aclose()  # one leaves: the other still hears
            await store.publish("t", "one")
            assert await anext(second) == "one"
        async with store.subscribe("t") as again:  # the last left, a new one joins
            await store.publish("t", "two")
            assert await anext(again) == "two"


@pytest.mark.anyio
async def test_redis_subscribers_share_one_connection() -> None:
    """Subscriptions of one process multiplex one pub/sub connection: Redis sees one subscriber a channel,
    and the channel is dropped when the last local subscriber leaves."""
    if await _redis_reachable() is not None:
        if os.environ.get("UIDP_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {REDIS_URL} unreachable and UIDP_REQUIRE_REDIS=1")
        pytest.skip(f"Redis at {REDIS_URL} unreachable")
    prefix = f"uidp-test:{uuid.uuid4().hex}:"
    store = RedisStore(REDIS_URL, prefix=prefix)

    async def redis_subscribers(channel: str) -> int:
        counts = await store.client.pubsub_numsub(prefix + channel)
        return int(counts[0][1])

    try:
        with anyio.fail_after(10):
            subscriptions = [store.subscribe(f"c{i % 5}") for i in range(50)]
            for subscription in subscriptions:
                await subscription.__aenter__()
            assert [await redis_subscribers(f"c{i}") for i in range(5)] == [1] * 5
            # Other suites share this Redis: find our hub's connection by its own address, not by its state.
            host, port = store._hub._pubsub.connection._writer.get_extra_info("sockname")[:2]
            clients = await store.client.client_list(_type="pubsub")
            ours = [c for c in clients if c.get("addr") == f"{host}:{port}"]
            assert [int(c["sub"]) for c in ours] == [5], clients  # one connection carries all five channels
            await store.publish("c3", "hello")
            heard = [await anext(s) for s in subscriptions if s.channel == prefix + "c3"]
            assert heard == ["hello"] * 10
            for subscription in subscriptions:
                await subscription.aclose()
            # UNSUBSCRIBE travels on the hub's connection, NUMSUB on another: wait until Redis has done it
            while [await redis_subscribers(f"c{i}") for i in range(5)] != [0] * 5:
                await anyio.sleep(0.01)
    finally:
        await store.close()
