"""Who acts in an entity's session when it is not the entity itself (E3 proxy agents, E6 licence scanners).

``EntityAccount.actingPerson`` is filled only for the session's own view of its entity (``me`` and the login's
answer), from the session's ``actor_*`` columns: `me` of a proxy session shows both the agent and the entity.
"""

from __future__ import annotations

import uuid

import strawberry

from graph.schema.enums import ActorRole
from uidp.domain.accounts import ActorRole as DomainActorRole
from uidp.services.persons.persons import PersonViews
from uidp.services.shared.principal import Principal


@strawberry.type(description="The person acting for the entity in this session; names and numbers masked (X4).")
class ActingPerson:
    role: ActorRole
    masked_name: str = strawberry.field(description="陈* — the acting person's name.")
    masked_certificate_number: str = strawberry.field(description="***********1211")
    grant_id: strawberry.ID | None = strawberry.field(
        description="The grant a proxy session rests on (E3); null for a licence scanner."
    )


async def acting_person(info: strawberry.Info, entity_id: uuid.UUID, acting: Principal | None) -> ActingPerson | None:
    if acting is None or acting.id != entity_id or acting.actor_id is None or acting.actor_role is None:
        return None
    view = await PersonViews(info.context.rt).get(acting.actor_id)
    if view is None:
        return None
    return ActingPerson(
        role=DomainActorRole(acting.actor_role),
        masked_name=view.masked_name,
        masked_certificate_number=view.masked_certificate_number,
        grant_id=strawberry.ID(str(acting.grant_id)) if acting.grant_id else None,
    )
