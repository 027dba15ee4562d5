"""API tokens for staff scripts (A2). Only the SHA-256 of the token is stored, never the token."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class StaffApiToken(Model):
    id = fields.UUIDField(primary_key=True)
    staff_id = fields.UUIDField(db_index=True)
    name = fields.CharField(max_length=64)
    scopes = fields.JSONField(default=list)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_by = fields.UUIDField(null=True)  # the administrator (None from the CLI)

    class Meta:
        table = "staff_api_token"
