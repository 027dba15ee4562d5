"""What the Grant and GrantApplication types read besides their row: masked names (one query per kind for
any number of ids), a grant's history and the grants directly below it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from uidp.domain.accounts import SubjectKind
from uidp.domain.masking import mask_name
from uidp.models.entity import Entity
from uidp.models.grant import Grant, GrantRecord
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.entities.entities import NAME as ENTITY_NAME
from uidp.services.entities.entities import mask_entity_name
from uidp.services.shared.pii import Pii


@dataclass(frozen=True)
class Party:
    kind: str  # entity or person
    id: uuid.UUID
    masked_name: str  # "" when the account no longer exists


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


async def history_of(grant_id: uuid.UUID) -> list[GrantRecord]:
    """The grant's history, oldest first."""
    return await GrantRecord.filter(grant_id=grant_id).order_by("at", "id")


async def sub_grants_of(grant_id: uuid.UUID) -> list[Grant]:
    """The grants given onward directly below this one, oldest first."""
    return await Grant.filter(parent_id=grant_id).order_by("created_at", "id")
