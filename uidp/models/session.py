"""Login sessions (X5). Only the SHA-256 of the opaque token is stored."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Session(Model):
    id = fields.UUIDField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    subject_kind = fields.CharField(max_length=16)
    subject_id = fields.UUIDField(db_index=True)
    login_method = fields.CharField(max_length=32)
    client_address = fields.CharField(max_length=64)  # masked, e.g. 203.0.113.*
    user_agent = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "session"
