"""The in-process end of pub/sub, shared by both stores: one bounded queue per local subscriber.

:class:`~uidp.store.memory.MemoryStore` fills the queues straight from ``publish``; the Redis store's
:class:`~uidp.store.redis_pubsub.PubSubHub` fills them from its one pub/sub connection. When a queue is full
its oldest message is dropped: subscribers must keep up (ours re-read the store on every message).
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Final, Protocol

__all__ = ["Channels", "QueuedSubscription"]

_QUEUE_SIZE: Final = 256
_CLOSED: Final = object()


class Channels(Protocol):
    """Who a store's subscriptions join and leave."""

    async def join(self, subscription: QueuedSubscription) -> None:
        """Start delivering ``subscription.channel`` to it (returns once a publish after it is delivered)."""
        ...

    async def leave(self, subscription: QueuedSubscription) -> None:
        """Stop delivering to it."""
        ...


class QueuedSubscription:
    """One local subscriber of ``channel``: joins on enter or first iteration, leaves on close."""

    def __init__(self, channels: Channels, channel: str) -> None:
        self._channels = channels
        self.channel = channel
        self._queue: asyncio.Queue[object] = asyncio.Queue(_QUEUE_SIZE)
        self._state = "new"  # new -> open -> closed

    async def _open(self) -> None:
        if self._state == "new":
            self._state = "open"
            try:
                await self._channels.join(self)
            except BaseException:
                self.end()
                raise

    def deliver(self, message: str) -> None:
        """Queue a message (the store's fan-out calls it)."""
        self._put(message)

    def end(self) -> None:
        """End the subscription without leaving (the store is closing or lost its connection)."""
        if self._state != "closed":
            self._state = "closed"
            self._put(_CLOSED)

    def _put(self, item: object) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(item)

    def __aiter__(self) -> QueuedSubscription:
        """Return self."""
        return self

    async def __anext__(self) -> str:
        """Wait for the next message; StopAsyncIteration once closed."""
        await self._open()
        if self._state == "closed" and self._queue.empty():
            raise StopAsyncIteration
        message = await self._queue.get()
        if message is _CLOSED:
            raise StopAsyncIteration
        assert isinstance(message, str)
        return message

    async def __aenter__(self) -> QueuedSubscription:
        """Subscribe now; returns once a publish made after this is delivered."""
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Unsubscribe."""
        await self.aclose()

    async def aclose(self) -> None:
        """Unsubscribe; idempotent. A pending iteration ends with StopAsyncIteration."""
        if self._state == "closed":
            return
        was_open = self._state == "open"
        self.end()
        if was_open:
            await self._channels.leave(self)
