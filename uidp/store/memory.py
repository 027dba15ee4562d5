"""In-process :class:`~uidp.store.base.Store` for the embedded single-process deployment and tests.

Every operation runs without an ``await`` in between its read and write, so each one is atomic with respect to
other tasks on the event loop. Expired entries are dropped when touched and swept when the dict has grown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from uidp.store.base import check_ttl
from uidp.store.fanout import QueuedSubscription

__all__ = ["MemoryStore"]

_MIN_SWEEP_SIZE: Final = 1024


class MemoryStore:
    """A dict with expiry times plus asyncio pub/sub; ``clock`` (seconds, monotonic) can be faked in tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[str, float]] = {}
        self._sweep_at = _MIN_SWEEP_SIZE
        self._channels: dict[str, set[QueuedSubscription]] = {}
        self._fanout = _Fanout(self._channels)

    # -- key/value -------------------------------------------------------------------------------------------

    def _live(self, key: str) -> tuple[str, float] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] <= self._clock():
            del self._data[key]
            return None
        return entry

    def _put(self, key: str, value: str, ttl: float) -> None:
        self._data[key] = (value, self._clock() + check_ttl(ttl))
        if len(self._data) >= self._sweep_at:
            self._sweep()

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, (_v, expires) in self._data.items() if expires <= now]:
            del self._data[key]
        self._sweep_at = max(_MIN_SWEEP_SIZE, 2 * len(self._data))

    async def set(self, key: str, value: str, ttl: float) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds."""
        self._put(key, value, ttl)

    async def set_if_absent(self, key: str, value: str, ttl: float) -> bool:
        """Store ``value`` only if ``key`` is missing; True if stored."""
        check_ttl(ttl)
        if self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def get(self, key: str) -> str | None:
        """Return the value of ``key`` or None."""
        entry = self._live(key)
        return None if entry is None else entry[0]

    async def take(self, key: str) -> str | None:
        """Get and delete ``key`` in one step."""
        entry = self._live(key)
        if entry is None:
            return None
        del self._data[key]
        return entry[0]

    async def replace(self, key: str, value: str) -> bool:
        """Replace the value of a live ``key``, keeping its expiry; False if missing."""
        entry = self._live(key)
        if entry is None:
            return False
        self._data[key] = (value, entry[1])
        return True

    async def compare_and_set(self, key: str, expected: str, value: str) -> bool:
        """Replace a live ``key`` holding ``expected`` with ``value``, keeping its expiry; False otherwise."""
        entry = self._live(key)
        if entry is None or entry[0] != expected:
            return False
        self._data[key] = (value, entry[1])
        return True

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        """Delete a live ``key`` holding ``expected``; False otherwise."""
        entry = self._live(key)
        if entry is None or entry[0] != expected:
            return False
        del self._data[key]
        return True

    async def compare_and_expire(self, key: str, expected: str, ttl: float) -> bool:
        """Give a live ``key`` holding ``expected`` a new expiry of ``ttl`` seconds; False otherwise."""
        entry = self._live(key)
        if entry is None or entry[0] != expected:
            return False
        self._data[key] = (expected, self._clock() + check_ttl(ttl))
        return True

    async def delete(self, key: str) -> None:
        """Delete ``key`` if present."""
        self._data.pop(key, None)

    async def incr(self, key: str, ttl: float) -> int:
        """Increment the counter at ``key``; the TTL is set on creation only (fixed window)."""
        check_ttl(ttl)
        entry = self._live(key)
        if entry is None:
            self._put(key, "1", ttl)
            return 1
        value = int(entry[0]) + 1
        self._data[key] = (str(value), entry[1])
        return value

    async def decr(self, key: str) -> int:
        """Take 1 back from an existing counter (not below 0), keeping its expiry; 0 if missing."""
        entry = self._live(key)
        if entry is None:
            return 0
        value = max(0, int(entry[0]) - 1)
        self._data[key] = (str(value), entry[1])
        return value

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, or None if missing."""
        entry = self._live(key)
        return None if entry is None else entry[1] - self._clock()

    # -- pub/sub ---------------------------------------------------------------------------------------------

    async def publish(self, channel: str, message: str) -> None:
        """Deliver ``message`` to the current subscribers of ``channel``."""
        for subscription in list(self._channels.get(channel, ())):
            subscription.deliver(message)

    def subscribe(self, channel: str) -> QueuedSubscription:
        """Return a subscription to ``channel`` (subscribes on enter or first iteration)."""
        return QueuedSubscription(self._fanout, channel)

    async def close(self) -> None:
        """Drop all data and end every open subscription."""
        self._data.clear()
        for subscribers in list(self._channels.values()):
            for subscription in list(subscribers):
                subscription.end()
        self._channels.clear()


class _Fanout:
    """The memory store's channels: who listens to what, in this process."""

    def __init__(self, channels: dict[str, set[QueuedSubscription]]) -> None:
        self._channels = channels

    async def join(self, subscription: QueuedSubscription) -> None:
        self._channels.setdefault(subscription.channel, set()).add(subscription)

    async def leave(self, subscription: QueuedSubscription) -> None:
        subscribers = self._channels.get(subscription.channel)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._channels[subscription.channel]
