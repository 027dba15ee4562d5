"""The per-request DataLoaders (``Context.loaders``), each batching one service call.

A field of a list item that needs another record (an audit event's acting staff member, ...) loads it here
instead of calling a service itself, so a page of N items costs one batched query, not N. Loaders call services
only. One set per context, so nothing cached outlives an HTTP request; a WebSocket connection's context lives
as long as the connection, but only subscriptions run there (graph.websocket), and they use no loader.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from uidp.runtime import Runtime
from uidp.services.staff.staff import StaffService


@dataclass(frozen=True)
class Loaders:
    staff_usernames: DataLoader[uuid.UUID, str | None]  # None: no such staff member

    @classmethod
    def of(cls, rt: Runtime) -> Loaders:
        async def staff_usernames(ids: Sequence[uuid.UUID]) -> list[str | None]:
            found = await StaffService(rt).usernames(ids)
            return [found.get(staff_id) for staff_id in ids]

        return cls(staff_usernames=DataLoader(load_fn=staff_usernames))
