"""Grant views for the user space (issue 11 item 7): grants given and held, sub-grants, a grant's history, and
applications in and out, as keyset pages (newest first) and batched look-ups for the graph's DataLoaders.

Each list is the caller's own: the entity's own session (never a proxy session: a grant covers service items,
not the entity's delegation, decision 201) sees the grants the entity gave and the applications it received; a
person's session the grants they hold, the grants they gave onward and the applications they sent. Anyone else
gets nothing (the graph shows an empty list). The batched look-ups take ids the caller's own pages handed out.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from uidp.domain.accounts import SubjectKind
from uidp.models.grant import Grant, GrantRecord
from uidp.models.grant_application import GrantApplication
from uidp.services.shared.pagination import Page, Window, keyset_page
from uidp.services.shared.principal import Principal


def own_entity(principal: Principal | None, entity_id: uuid.UUID) -> bool:
    """The entity's own session (not a proxy session acting for it)."""
    return (
        principal is not None
        and principal.kind == SubjectKind.ENTITY
        and principal.id == entity_id
        and principal.actor_id is None
    )


def own_person(principal: Principal | None, person_id: uuid.UUID) -> bool:
    return principal is not None and principal.kind == SubjectKind.PERSON and principal.id == person_id


class GrantViews:
    """Read-only: every method is one indexed query."""

    async def given_by_entity(self, entity_id: uuid.UUID, window: Window) -> Page[Grant]:
        """The level-1 grants the entity gave (their sub-grants hang below each), newest first."""
        return await keyset_page(
            Grant.filter(entity_id=entity_id, parent_id__isnull=True), window, at="created_at", newest_first=True
        )

    async def given_by_person(self, person_id: uuid.UUID, window: Window) -> Page[Grant]:
        """The grants the person gave onward (levels 2 and 3), newest first."""
        return await keyset_page(
            Grant.filter(grantor_id=person_id, parent_id__isnull=False), window, at="created_at", newest_first=True
        )

    async def held(self, person_id: uuid.UUID, window: Window) -> Page[Grant]:
        """The grants the person holds, of every entity, newest first."""
        return await keyset_page(Grant.filter(grantee_id=person_id), window, at="created_at", newest_first=True)

    async def applications_in(self, entity_id: uuid.UUID, window: Window) -> Page[GrantApplication]:
        return await keyset_page(
            GrantApplication.filter(entity_id=entity_id), window, at="created_at", newest_first=True
        )

    async def applications_out(self, person_id: uuid.UUID, window: Window) -> Page[GrantApplication]:
        return await keyset_page(
            GrantApplication.filter(applicant_id=person_id), window, at="created_at", newest_first=True
        )

    async def children(self, parent_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
        """The grants directly below each of these grants, oldest first, in one query."""
        found: dict[uuid.UUID, list[Grant]] = defaultdict(list)
        for grant in await Grant.filter(parent_id__in=list(set(parent_ids))).order_by("created_at", "id"):
            assert grant.parent_id is not None
            found[grant.parent_id].append(grant)
        return found

    async def history(self, grant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[GrantRecord]]:
        """Each grant's history (made, changed, cancelled, expired, ended), oldest first, in one query."""
        found: dict[uuid.UUID, list[GrantRecord]] = defaultdict(list)
        for record in await GrantRecord.filter(grant_id__in=list(set(grant_ids))).order_by("at", "id"):
            found[record.grant_id].append(record)
        return found
