"""Sealing and opening an Entity row's encrypted columns in one place (E1, E7, E8, E10).

The column names (Pii.seal contexts) and the masked view live in :mod:`uidp.services.entities.entities`; this module
turns plain values into the columns to write, and a row back into plain values for comparisons.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from uidp.models.entity import Entity
from uidp.runtime import Runtime
from uidp.services.entities import entities as columns
from uidp.services.entities.entities import EntityView, EntityViews, credit_code_index
from uidp.services.shared.pii import Pii


@dataclass(frozen=True)
class EntityPlain:
    """An entity's decrypted identifying values: compare them, never log or return them."""

    credit_code: str
    name: str
    contact_name: str
    contact_certificate_number: str
    contact_phone: str


def seal_entity_fields(
    pii: Pii,
    entity_id: uuid.UUID,
    *,
    credit_code: str | None = None,
    name: str | None = None,
    contact_name: str | None = None,
    contact_certificate_number: str | None = None,
    contact_phone: str | None = None,
) -> dict[str, Any]:
    """The Entity column values (sealed for row ``entity_id``, plus blind indexes) for create() or update()."""
    found: dict[str, Any] = {}
    if credit_code is not None:
        found["credit_code_index"] = credit_code_index(pii, credit_code)
        found["credit_code_enc"] = pii.seal(columns.CREDIT_CODE, entity_id, credit_code)
    if name is not None:
        found["name_enc"] = pii.seal(columns.NAME, entity_id, name)
    if contact_name is not None:
        found["contact_name_enc"] = pii.seal(columns.CONTACT_NAME, entity_id, contact_name)
    if contact_certificate_number is not None:
        found["contact_certificate_number_enc"] = pii.seal(
            columns.CONTACT_CERTIFICATE_NUMBER, entity_id, contact_certificate_number
        )
    if contact_phone is not None:
        found["contact_phone_enc"] = pii.seal(columns.CONTACT_PHONE, entity_id, contact_phone)
        found["contact_phone_index"] = pii.phone_index(contact_phone)
    return found


def open_entity(pii: Pii, entity: Entity) -> EntityPlain:
    """Decrypt an entity's identifying values."""
    return EntityPlain(
        credit_code=pii.open(columns.CREDIT_CODE, entity.id, entity.credit_code_enc),
        name=pii.open(columns.NAME, entity.id, entity.name_enc),
        contact_name=pii.open(columns.CONTACT_NAME, entity.id, entity.contact_name_enc),
        contact_certificate_number=pii.open(
            columns.CONTACT_CERTIFICATE_NUMBER, entity.id, entity.contact_certificate_number_enc
        ),
        contact_phone=pii.open(columns.CONTACT_PHONE, entity.id, entity.contact_phone_enc),
    )


def entity_view(rt: Runtime, entity: Entity) -> EntityView:
    """The masked view of an entity (decrypts lazily, masks with uidp.domain.masking / mask_entity_name)."""
    return EntityViews(rt).view(entity)
