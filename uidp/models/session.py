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
    # A session may be opened by one person acting for its subject (an entity): the person who scanned the
    # electronic business licence, or an agent logging in under a grant. Null when the subject acts itself.
    actor_id = fields.UUIDField(null=True, db_index=True)
    actor_role = fields.CharField(max_length=24, null=True)  # legal_representative, manager, agent
    grant_id = fields.UUIDField(null=True, db_index=True)  # the grant an agent's session rests on

    class Meta:
        table = "session"
