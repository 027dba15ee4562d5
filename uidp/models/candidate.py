"""The entity's candidate list (可授权人, §2.6.1): the persons it may grant to."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DelegationCandidate(Model):
    id = fields.UUIDField(primary_key=True)
    entity_id = fields.UUIDField(db_index=True)
    person_id = fields.UUIDField(db_index=True)
    # Blind index of the person's normalised name when added: the list is searched by exact name (§2.6.1.2)
    # without storing the name in clear; the name shown is read (masked) from the person row.
    name_index = fields.CharField(max_length=64, db_index=True)
    added_by_kind = fields.CharField(max_length=16)
    added_by_id = fields.UUIDField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "delegation_candidate"
        unique_together = (("entity_id", "person_id"),)
