"""Grants (法人授权, §2.6.2 / E9): a person may act for an entity on some service items during a period.

The rules live in ``uidp.domain.delegation``; this is only what is stored. A grant made by the entity has no
parent (depth 1); a grant made onward by a grantee points at the grant its grantor holds (depth 2 or 3).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from uidp.domain.delegation import GrantState


class Grant(Model):
    id = fields.UUIDField(primary_key=True)
    entity_id = fields.UUIDField(db_index=True)
    parent_id = fields.UUIDField(null=True, db_index=True)  # the grant the grantor holds; None: the entity granted
    root_id = fields.UUIDField(db_index=True)  # the level-1 grant of this chain (itself at depth 1)
    depth = fields.SmallIntField()  # 1..3
    grantor_id = fields.UUIDField()  # the entity at depth 1, else the person holding the parent grant
    grantee_id = fields.UUIDField(db_index=True)  # a person
    scope = fields.JSONField(default=list)  # sorted service-item codes
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(db_index=True)
    may_grant_onward = fields.BooleanField(default=False)
    may_manage_candidates = fields.BooleanField(default=False)
    state = fields.CharEnumField(GrantState, max_length=12, default=GrantState.ACTIVE, db_index=True)
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=32, null=True)
    # The application this grant answers: unique, so two concurrent approvals cannot both make a grant.
    application_id = fields.UUIDField(null=True, unique=True)
    reminded_at = fields.DatetimeField(null=True)  # the expiry reminder SMS went out
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "delegation_grant"


class GrantRecord(Model):
    """One line of a grant's history: made, changed, cancelled, expired or ended by the cascade."""

    id = fields.UUIDField(primary_key=True)
    grant_id = fields.UUIDField(db_index=True)
    at = fields.DatetimeField()
    action = fields.CharField(max_length=24)  # created, changed, cancelled, expired, ended
    actor_kind = fields.CharField(max_length=16, null=True)  # entity, person, system
    actor_id = fields.UUIDField(null=True)
    details = fields.JSONField(default=dict)  # old and new period / scope, the end reason; no PII

    class Meta:
        table = "delegation_grant_record"
