"""Audit events (A3): who did what, when, from where. Details carry masked values only."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    id = fields.UUIDField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    event_type = fields.CharField(max_length=48, db_index=True)
    outcome = fields.CharField(max_length=16)
    actor_kind = fields.CharField(max_length=16, null=True)
    actor_id = fields.UUIDField(null=True)
    subject_kind = fields.CharField(max_length=16, null=True)
    subject_id = fields.UUIDField(null=True, db_index=True)
    client_address = fields.CharField(max_length=64, null=True)
    details = fields.JSONField(default=dict)

    class Meta:
        table = "audit_event"
