"""Slot leases: at most ``limit`` holders of one thing at a time, across every worker and host.

A holder takes one of ``limit`` numbered slots, each a store key set only if absent and living ``ttl`` seconds;
while it holds the slot it refreshes it, and it deletes it when done (only if the slot is still its own). A
worker that dies without releasing loses its slots within ``ttl``, so a crash never locks an address out for
long. Slots are tried from a random start, so a burst does not queue on slot 0; each try is one atomic
``set_if_absent``, so of concurrent takers exactly ``limit`` get a slot (a test proves it on Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from uidp.runtime import Runtime
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import client_key
from uidp.store.base import Store

SOCKET_SLOT_SECONDS = 90.0  # refreshed every 30 s while the socket is open


@dataclass(frozen=True)
class Lease:
    """One held slot: ``key`` holds ``token`` until released or ``ttl`` passes without a refresh."""

    store: Store
    key: str
    token: str
    ttl: float

    async def refresh(self) -> bool:
        """Extend the slot to a full ``ttl``; False if it lapsed (and was perhaps taken by another)."""
        return await self.store.compare_and_expire(self.key, self.token, self.ttl)

    async def release(self) -> None:
        await self.store.compare_and_delete(self.key, self.token)

    @contextlib.asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Hold the slot for the block: refreshed in the background, released at the end (however it ends)."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(self.ttl / 3)
                await self.refresh()

        keeper = asyncio.create_task(keep())
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await keeper
            await self.release()


async def acquire(store: Store, prefix: str, limit: int, ttl: float) -> Lease | None:
    """A free slot of ``prefix`` (``limit`` of them), or None when all are held."""
    token = secrets.token_hex(12)
    start = random.randrange(limit)
    for step in range(limit):
        key = f"{prefix}:{(start + step) % limit}"
        if await store.set_if_absent(key, token, ttl):
            return Lease(store, key, token, ttl)
    return None


async def open_socket_slot(rt: Runtime, client: ClientInfo, limit: int) -> Lease | None:
    """A slot for one more open WebSocket from ``client``'s address (``UIDP_WEBSOCKETS_PER_ADDRESS``)."""
    return await acquire(rt.store, f"ws-open:{client_key(rt, client)}", limit, SOCKET_SLOT_SECONDS)
