"""Third-party login bindings (Alipay and others): which provider subject maps to which account."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ExternalBinding(Model):
    id = fields.UUIDField(primary_key=True)
    provider = fields.CharField(max_length=32)
    # Blind index of the provider's subject id: unique per provider, never stored in clear.
    subject_index = fields.CharField(max_length=64)
    subject_kind = fields.CharField(max_length=16)
    subject_id = fields.UUIDField(db_index=True)
    display_enc = fields.TextField(null=True)  # e.g. the provider's masked nickname, encrypted
    # The provider's subject id, sealed (rows from before 0012 get it at the owner's next partner login), so that
    # `uidp keys rotate-blind-index` can recompute subject_index without waiting for that login (decision 365).
    subject_enc = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "external_binding"
        unique_together = (("provider", "subject_index"),)
