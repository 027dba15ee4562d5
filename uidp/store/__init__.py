"""Ephemeral state: ``open_store("memory://")`` for one process, ``open_store("redis://...")`` for many."""

from __future__ import annotations

from uidp.store.base import Store, Subscription
from uidp.store.memory import MemoryStore

__all__ = ["MemoryStore", "Store", "Subscription", "open_store"]


def open_store(url: str, *, prefix: str = "uidp:") -> Store:
    """Open the store named by ``url``.

    ``memory://`` gives an in-process :class:`MemoryStore` (``prefix`` is not needed there); ``redis://`` and
    ``rediss://`` URLs give a :class:`~uidp.store.redis.RedisStore` whose keys and channels start with
    ``prefix``. Any other scheme raises ValueError.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "memory":
        return MemoryStore()
    if scheme in ("redis", "rediss"):
        from uidp.store.redis import RedisStore

        return RedisStore(url, prefix=prefix)
    # The URL itself is not echoed: it may carry a password.
    raise ValueError(f"unsupported store URL scheme {scheme!r}; use memory:// or redis:// or rediss://")
