"""The ephemeral-state seam: captcha answers, SMS codes, login tickets, counters, compare-and-set, pub/sub.

Two implementations share one contract (``tests/store/test_store_contract.py``): :class:`~uidp.store.memory.
MemoryStore` for one process and :class:`~uidp.store.redis.RedisStore` for many workers. Keys, values, channels
and messages are ``str``; TTLs are float seconds and always required (nothing here lives forever). Values that
are secrets (codes, answers, tokens) must be stored as digests (see :mod:`uidp.security.tokens`).
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

__all__ = ["Store", "Subscription", "check_ttl"]


@runtime_checkable
class Subscription(Protocol):
    """An async iterator of the messages published on one channel, until closed or cancelled.

    Iterating subscribes lazily, on the first ``__anext__``. To avoid missing a message published between
    "read the current state" and "start listening", enter it as a context manager first: ``async with
    store.subscribe(ch) as sub:`` subscribes before the body runs and unsubscribes on exit.
    """

    def __aiter__(self) -> Subscription:
        """Return the subscription itself."""
        ...

    async def __anext__(self) -> str:
        """Wait for the next message; ``StopAsyncIteration`` once closed."""
        ...

    async def __aenter__(self) -> Subscription:
        """Subscribe now and return the subscription."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Unsubscribe (same as :meth:`aclose`)."""
        ...

    async def aclose(self) -> None:
        """Unsubscribe and release resources; idempotent."""
        ...


@runtime_checkable
class Store(Protocol):
    """Ephemeral key-value state with TTLs, atomic single-use reads, counters and pub/sub."""

    async def set(self, key: str, value: str, ttl: float) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds, replacing any previous value and TTL."""
        ...

    async def set_if_absent(self, key: str, value: str, ttl: float) -> bool:
        """Atomically store ``value`` only if ``key`` is missing; True if it was stored."""
        ...

    async def get(self, key: str) -> str | None:
        """Return the value of ``key``, or None if missing or expired."""
        ...

    async def take(self, key: str) -> str | None:
        """Atomically get and delete ``key``: of concurrent takers, exactly one gets the value."""
        ...

    async def replace(self, key: str, value: str) -> bool:
        """Atomically replace the value of a live ``key``, keeping its expiry; False (nothing stored) if missing.

        A key that was taken, deleted or expired stays missing: a later step never revives a spent ticket.
        """
        ...

    async def compare_and_set(self, key: str, expected: str, value: str) -> bool:
        """Atomically replace ``key``'s value with ``value`` only if it is still ``expected``, keeping its expiry.

        False (nothing stored) if the key is missing or holds something else: of concurrent writers that read
        the same value, exactly one moves it on (a ticket's state transition).
        """
        ...

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        """Atomically delete ``key`` only if its value is still ``expected``; True if it was deleted."""
        ...

    async def compare_and_expire(self, key: str, expected: str, ttl: float) -> bool:
        """Atomically give ``key`` a new expiry of ``ttl`` seconds only if its value is still ``expected``.

        False (nothing changed) if the key is missing or holds something else: a holder extends only its own
        lease, never one another holder took after it lapsed.
        """
        ...

    async def delete(self, key: str) -> None:
        """Delete ``key`` if present."""
        ...

    async def incr(self, key: str, ttl: float) -> int:
        """Atomically add 1 to the counter at ``key`` and return the new value.

        A missing key starts at 0 and expires ``ttl`` seconds after this call; later increments do not extend
        the TTL (a fixed window).
        """
        ...

    async def decr(self, key: str) -> int:
        """Atomically take 1 back from the counter at ``key`` and return the new value, never below 0.

        Keeps the key's expiry; a missing (or expired) key stays missing and the answer is 0. This hands back
        an attempt that was counted by :meth:`incr` but turned out not to be one (nothing was checked).
        """
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, or None if it is missing or has no expiry."""
        ...

    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every current subscriber of ``channel`` (in any worker, for Redis)."""
        ...

    def subscribe(self, channel: str) -> Subscription:
        """Return a :class:`Subscription` (an ``AsyncIterator[str]``) of the messages on ``channel``."""
        ...

    async def close(self) -> None:
        """Release connections and end open subscriptions."""
        ...


def check_ttl(ttl: float) -> float:
    """Return ``ttl`` if it is a positive finite number of seconds, else raise ValueError."""
    if not (ttl > 0 and ttl != float("inf")):
        raise ValueError(f"store TTL must be a positive number of seconds, got {ttl!r}")
    return float(ttl)
