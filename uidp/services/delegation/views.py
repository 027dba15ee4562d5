"""Grants and applications as the user space shows them: status read at ``now``, every name masked (X4).

:func:`grant_views` reads the persons and entities a list of grants names with one query each, whatever the
length of the list.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from uidp.domain.accounts import SubjectKind
from uidp.domain.delegation import ApplicationStatus, GrantStatus, status_at
from uidp.domain.masking import mask_name
from uidp.models.entity import Entity
from uidp.models.grant import Grant, GrantRecord
from uidp.models.grant_application import GrantApplication
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.delegation.chains import facts_of
from uidp.services.entities.entities import NAME as ENTITY_NAME
from uidp.services.entities.entities import mask_entity_name
from uidp.services.shared.pii import Pii


@dataclass(frozen=True)
class Party:
    kind: str  # entity or person
    id: uuid.UUID
    masked_name: str  # "" when the account no longer exists


@dataclass(frozen=True)
class GrantView:
    grant: Grant
    status: GrantStatus
    entity: Party
    grantor: Party
    grantee: Party


@dataclass(frozen=True)
class ApplicationView:
    application: GrantApplication
    status: ApplicationStatus
    entity: Party
    applicant: Party


class Names:
    """Masked names of persons and entities, read in one query per kind."""

    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)
        self.persons: dict[uuid.UUID, str] = {}
        self.entities: dict[uuid.UUID, str] = {}

    async def load(self, persons: set[uuid.UUID], entities: set[uuid.UUID]) -> Names:
        if persons:
            for p in await Person.filter(id__in=list(persons)).only("id", "name_enc"):
                self.persons[p.id] = mask_name(self.pii.open("person.name", p.id, p.name_enc))
        if entities:
            for e in await Entity.filter(id__in=list(entities)).only("id", "name_enc"):
                self.entities[e.id] = mask_entity_name(self.pii.open(ENTITY_NAME, e.id, e.name_enc))
        return self

    def person(self, person_id: uuid.UUID) -> Party:
        return Party(SubjectKind.PERSON, person_id, self.persons.get(person_id, ""))

    def entity(self, entity_id: uuid.UUID) -> Party:
        return Party(SubjectKind.ENTITY, entity_id, self.entities.get(entity_id, ""))


async def grant_views(rt: Runtime, grants: Sequence[Grant], now: datetime) -> list[GrantView]:
    persons = {g.grantee_id for g in grants} | {g.grantor_id for g in grants if g.depth > 1}
    names = await Names(rt).load(persons, {g.entity_id for g in grants})
    return [
        GrantView(
            grant=g,
            status=status_at(facts_of(g), now),
            entity=names.entity(g.entity_id),
            grantor=names.entity(g.grantor_id) if g.depth == 1 else names.person(g.grantor_id),
            grantee=names.person(g.grantee_id),
        )
        for g in grants
    ]


async def application_views(rt: Runtime, applications: Sequence[GrantApplication]) -> list[ApplicationView]:
    names = await Names(rt).load({a.applicant_id for a in applications}, {a.entity_id for a in applications})
    return [
        ApplicationView(
            application=a, status=a.status, entity=names.entity(a.entity_id), applicant=names.person(a.applicant_id)
        )
        for a in applications
    ]


async def history_of(grant_id: uuid.UUID) -> list[GrantRecord]:
    """The grant's history, oldest first."""
    return await GrantRecord.filter(grant_id=grant_id).order_by("at", "id")
