"""Root fields of legal-person registration (E1) and login (E2)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.entities import resolvers as entities
from graph.schema.areas.entities.types import EntityTypeInfo


@strawberry.type
class EntitiesQuery:
    entity_types: list[EntityTypeInfo] = strawberry.field(
        resolver=entities.entity_types, description="法人类型 with labels, for the E1 form."
    )


@strawberry.type
class EntitiesMutation:
    start_entity_registration: entities.StartEntityRegistrationResult = strawberry.field(
        resolver=entities.start_entity_registration, description="E1 step 1: prove the legal representative."
    )
    register_entity: entities.RegisterEntityResult = strawberry.field(
        resolver=entities.register_entity, description="E1 step 2: the entity, checked with the business registry."
    )
    login_entity: entities.LoginEntityResult = strawberry.field(
        resolver=entities.login_entity, description="E2: unified social credit code + password."
    )
