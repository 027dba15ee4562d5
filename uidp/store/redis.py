"""Redis :class:`~uidp.store.base.Store` shared by all workers and hosts.

Every key and channel is prefixed (``prefix`` argument), so deployments and test runs sharing one Redis do not
see each other. TTLs are sent in milliseconds (``PX``), rounded up. ``take`` is ``GETDEL``, ``replace`` is
``SET XX KEEPTTL``; ``incr``, ``decr``, ``compare_and_set``, ``compare_and_delete`` and ``compare_and_expire``
are Lua scripts, so all are atomic across workers.

Subscriptions share one pub/sub connection per store (``redis_pubsub.PubSubHub``), fanned out in-process.
"""

from __future__ import annotations

import math
from typing import Any, Final

import redis.asyncio as aioredis

from uidp.store.base import check_ttl
from uidp.store.fanout import QueuedSubscription
from uidp.store.redis_pubsub import PubSubHub

__all__ = ["RedisStore"]

# INCR; set the expiry when the key was created (or somehow has none): a fixed window, never extended.
_INCR_SCRIPT: Final = """
local value = redis.call('INCR', KEYS[1])
if value == 1 or redis.call('PTTL', KEYS[1]) == -1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return value
"""

# DECR an existing counter, never below 0, keeping its expiry; a missing key stays missing.
_DECR_SCRIPT: Final = """
local value = tonumber(redis.call('GET', KEYS[1]))
if value == nil then
    return 0
end
if value <= 0 then
    return 0
end
return redis.call('DECR', KEYS[1])
"""


# SET KEEPTTL only while the key still holds the value the caller read.
_CAS_SCRIPT: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
    return 1
end
return 0
"""

# DEL only while the key still holds the value the caller read.
_CAD_SCRIPT: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# PEXPIRE only while the key still holds the value the caller holds.
_CAE_SCRIPT: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


def _ms(ttl: float) -> int:
    return max(1, math.ceil(check_ttl(ttl) * 1000))


class RedisStore:
    """Store over ``redis.asyncio``; ``url`` is a ``redis://`` or ``rediss://`` URL."""

    def __init__(self, url: str, *, prefix: str = "uidp:", **options: Any) -> None:
        self.prefix = prefix
        self._client: aioredis.Redis = aioredis.Redis.from_url(url, decode_responses=True, **options)
        self._incr = self._client.register_script(_INCR_SCRIPT)
        self._decr = self._client.register_script(_DECR_SCRIPT)
        self._cas = self._client.register_script(_CAS_SCRIPT)
        self._cad = self._client.register_script(_CAD_SCRIPT)
        self._cae = self._client.register_script(_CAE_SCRIPT)
        self._hub = PubSubHub(self._client)

    @property
    def client(self) -> aioredis.Redis:
        """The underlying client (keys are not prefixed automatically when you use it directly)."""
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def ping(self) -> bool:
        """True if Redis answers (raises the client's connection error otherwise)."""
        return bool(await self._client.ping())

    async def set(self, key: str, value: str, ttl: float) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds."""
        await self._client.set(self._key(key), value, px=_ms(ttl))

    async def set_if_absent(self, key: str, value: str, ttl: float) -> bool:
        """``SET NX PX``: True if stored."""
        return bool(await self._client.set(self._key(key), value, px=_ms(ttl), nx=True))

    async def get(self, key: str) -> str | None:
        """Return the value of ``key`` or None."""
        value: str | None = await self._client.get(self._key(key))
        return value

    async def take(self, key: str) -> str | None:
        """``GETDEL``: get and delete atomically."""
        value: str | None = await self._client.getdel(self._key(key))
        return value

    async def replace(self, key: str, value: str) -> bool:
        """``SET XX KEEPTTL``: replace a live key's value, keeping its expiry; False if missing."""
        return bool(await self._client.set(self._key(key), value, xx=True, keepttl=True))

    async def compare_and_set(self, key: str, expected: str, value: str) -> bool:
        """A Lua script: ``SET KEEPTTL`` only while the key holds ``expected``; False otherwise."""
        return bool(await self._cas(keys=[self._key(key)], args=[expected, value]))

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        """A Lua script: ``DEL`` only while the key holds ``expected``; False otherwise."""
        return bool(await self._cad(keys=[self._key(key)], args=[expected]))

    async def compare_and_expire(self, key: str, expected: str, ttl: float) -> bool:
        """A Lua script: ``PEXPIRE`` only while the key holds ``expected``; False otherwise."""
        return bool(await self._cae(keys=[self._key(key)], args=[expected, _ms(ttl)]))

    async def delete(self, key: str) -> None:
        """Delete ``key`` if present."""
        await self._client.delete(self._key(key))

    async def incr(self, key: str, ttl: float) -> int:
        """Increment atomically; the TTL is set on creation only (fixed window)."""
        return int(await self._incr(keys=[self._key(key)], args=[_ms(ttl)]))

    async def decr(self, key: str) -> int:
        """Take 1 back from an existing counter atomically (not below 0), keeping its expiry; 0 if missing."""
        return int(await self._decr(keys=[self._key(key)]))

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, or None if missing or without expiry."""
        millis = int(await self._client.pttl(self._key(key)))
        return None if millis < 0 else millis / 1000

    async def publish(self, channel: str, message: str) -> None:
        """``PUBLISH`` to the prefixed channel (reaches subscribers in every worker)."""
        await self._client.publish(self._key(channel), message)

    def subscribe(self, channel: str) -> QueuedSubscription:
        """Return a subscription to ``channel`` (subscribes on enter or first iteration)."""
        return QueuedSubscription(self._hub, self._key(channel))

    async def close(self) -> None:
        """End open subscriptions and close the connection pool."""
        await self._hub.close()
        await self._client.aclose()
