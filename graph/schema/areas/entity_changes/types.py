"""What the contact change (E7), legal-information change (E8) and entity appeal (E10) answer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.types import EntityAccount


@strawberry.type(description="E7 step 1 done: send `ticket` with changeEntityContact before `expiresAt`.")
class EntityContactChangeStarted:
    ticket: str
    expires_at: datetime
    masked_entity_name: str
    masked_contact_name: str
    masked_contact_phone: str


@strawberry.type(description="E7 done: the contact is replaced (masked).")
class EntityContactChanged:
    masked_contact_name: str
    masked_contact_phone: str


@strawberry.type(description="E8 done: the entity as it is now (masked).")
class EntityLegalInformationChanged:
    account: EntityAccount


@strawberry.type(description="E10 step 1 done: the masked entity; send `ticket` with submitEntityAppeal.")
class EntityAppealStarted:
    ticket: str
    expires_at: datetime
    masked_entity_name: str
    masked_credit_code: str
