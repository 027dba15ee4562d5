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

from uidp.models.grant import Grant, GrantRecord
from uidp.runtime import Runtime
from uidp.services.delegation.grant_views import GrantViews
from uidp.services.entities.entities import EntityView, EntityViews
from uidp.services.persons.persons import PersonView, PersonViews
from uidp.services.staff.staff import StaffService


@dataclass(frozen=True)
class Loaders:
    staff_usernames: DataLoader[uuid.UUID, str | None]  # None: no such staff member
    persons: DataLoader[uuid.UUID, PersonView | None]  # masked views (grantees, grantors, applicants)
    entities: DataLoader[uuid.UUID, EntityView | None]  # masked views (the entity a grant is of)
    sub_grants: DataLoader[uuid.UUID, list[Grant]]  # the grants directly below a grant
    grant_history: DataLoader[uuid.UUID, list[GrantRecord]]  # a grant's history, oldest first

    @classmethod
    def of(cls, rt: Runtime) -> Loaders:
        async def staff_usernames(ids: Sequence[uuid.UUID]) -> list[str | None]:
            found = await StaffService(rt).usernames(ids)
            return [found.get(staff_id) for staff_id in ids]

        async def persons(ids: Sequence[uuid.UUID]) -> list[PersonView | None]:
            found = await PersonViews(rt).many(ids)
            return [found.get(person_id) for person_id in ids]

        async def entities(ids: Sequence[uuid.UUID]) -> list[EntityView | None]:
            found = await EntityViews(rt).many(ids)
            return [found.get(entity_id) for entity_id in ids]

        async def sub_grants(ids: Sequence[uuid.UUID]) -> list[list[Grant]]:
            found = await GrantViews().children(ids)
            return [found.get(grant_id, []) for grant_id in ids]

        async def grant_history(ids: Sequence[uuid.UUID]) -> list[list[GrantRecord]]:
            found = await GrantViews().history(ids)
            return [found.get(grant_id, []) for grant_id in ids]

        return cls(
            staff_usernames=DataLoader(load_fn=staff_usernames),
            persons=DataLoader(load_fn=persons),
            entities=DataLoader(load_fn=entities),
            sub_grants=DataLoader(load_fn=sub_grants),
            grant_history=DataLoader(load_fn=grant_history),
        )
