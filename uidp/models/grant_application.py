"""A person's application to an entity for a grant (申请授权, §2.6): decided once, by the entity or a grantor."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from uidp.domain.delegation import ApplicationStatus


class GrantApplication(Model):
    id = fields.UUIDField(primary_key=True)
    entity_id = fields.UUIDField(db_index=True)
    applicant_id = fields.UUIDField(db_index=True)  # a person
    scope = fields.JSONField(default=list)  # sorted service-item codes
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    reason = fields.CharField(max_length=200)
    status = fields.CharEnumField(ApplicationStatus, max_length=12, default=ApplicationStatus.PENDING)
    # "<entity>:<applicant>" while pending, None once decided: one open application per person and entity.
    pending_key = fields.CharField(max_length=80, null=True, unique=True)
    decided_by_kind = fields.CharField(max_length=16, null=True)
    decided_by_id = fields.UUIDField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.CharField(max_length=200, null=True)
    grant_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "delegation_application"
