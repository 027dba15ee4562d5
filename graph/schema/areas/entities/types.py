"""What legal-person registration (E1) answers."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.types import (
    EntityAccount,
    EntityType,
)


@strawberry.type(description="A 法人类型 for the registration form's select.")
class EntityTypeInfo:
    type: EntityType
    label: str


@strawberry.type(description="E1 step 1 done: send `ticket` with registerEntity before `expiresAt`.")
class RepresentativeVerified:
    ticket: str
    expires_at: datetime
    masked_name: str
    masked_certificate_number: str


@strawberry.type(description="The entity is registered (level 2, 中级); log in with loginEntity.")
class EntityRegistered:
    account: EntityAccount
