"""Redis pub/sub for one process: one connection, fanned out in-process to every local subscriber.

A page watching its scan ticket or its session holds a subscription for minutes; with a Redis connection per
subscription, a few thousand open pages would exhaust Redis's connections. Here each :class:`RedisStore`
holds one pub/sub connection; a channel is ``SUBSCRIBE``\\d while at least one local subscriber listens to
it and ``UNSUBSCRIBE``\\d when the last leaves. One reader task hands each message to that channel's
subscribers' bounded queues (:mod:`uidp.store.fanout`). If the connection fails for good, every open
subscription ends (its iteration stops), as :meth:`close` ends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

from redis.asyncio.client import PubSub, Redis

from uidp.store.fanout import QueuedSubscription

__all__ = ["PubSubHub"]

log = logging.getLogger("uidp.store")
_CONFIRM_SECONDS: Final = 10.0


class PubSubHub:
    """The process's one pub/sub connection and who listens to which channel."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._pubsub: PubSub | None = None
        self._channels: dict[str, set[QueuedSubscription]] = {}
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    async def join(self, subscription: QueuedSubscription) -> None:
        """Add a subscriber; returns once Redis confirmed the channel (at once if it already listens)."""
        async with self._lock:
            if self._closed:
                subscription.end()
                return
            channel = subscription.channel
            listeners = self._channels.get(channel)
            if listeners is not None:
                listeners.add(subscription)
                return
            self._channels[channel] = {subscription}  # before SUBSCRIBE: no message can slip past it
            confirmed = asyncio.get_running_loop().create_future()
            self._confirmations[channel] = confirmed
            try:
                pubsub = self._pubsub = self._pubsub or self._client.pubsub()
                await pubsub.subscribe(channel)
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.create_task(self._read(pubsub))
                await asyncio.wait_for(asyncio.shield(confirmed), _CONFIRM_SECONDS)
            except BaseException:
                self._channels.pop(channel, None)
                self._confirmations.pop(channel, None)
                raise

    async def leave(self, subscription: QueuedSubscription) -> None:
        """Remove a subscriber; the channel is unsubscribed when its last local subscriber leaves."""
        async with self._lock:
            listeners = self._channels.get(subscription.channel)
            if listeners is None or subscription not in listeners:
                return
            listeners.discard(subscription)
            if not listeners:
                del self._channels[subscription.channel]
                if self._pubsub is not None and not self._closed:
                    with contextlib.suppress(Exception):  # a broken connection has forgotten it anyway
                        await self._pubsub.unsubscribe(subscription.channel)

    async def _read(self, pubsub: PubSub) -> None:
        try:
            while True:
                message: dict[str, Any] | None = await pubsub.get_message(timeout=None)
                if message is None:
                    continue
                channel = str(message.get("channel"))
                if message["type"] == "subscribe":
                    confirmed = self._confirmations.pop(channel, None)
                    if confirmed is not None and not confirmed.done():
                        confirmed.set_result(None)
                elif message["type"] == "message":
                    for subscription in list(self._channels.get(channel, ())):
                        subscription.deliver(str(message["data"]))
        except asyncio.CancelledError:
            raise
        except Exception:
            if not self._closed:
                log.exception("Redis pub/sub connection lost; open subscriptions end")
            await self._reset()

    async def _reset(self) -> None:
        """End every subscription and drop the connection (the next subscriber opens a new one)."""
        for listeners in list(self._channels.values()):
            for subscription in list(listeners):
                subscription.end()
        self._channels.clear()
        for confirmed in self._confirmations.values():
            if not confirmed.done():
                confirmed.set_exception(ConnectionError("Redis pub/sub connection lost"))
        self._confirmations.clear()
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def close(self) -> None:
        """End every subscription and close the connection; later subscriptions end at once."""
        self._closed = True
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        await self._reset()
