"""Secrets that prove who a subject is; today the login password, one row per subject and kind."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CredentialKind(StrEnum):
    PASSWORD = "PASSWORD"


class Credential(Model):
    id = fields.UUIDField(primary_key=True)
    subject_kind = fields.CharField(max_length=16)
    subject_id = fields.UUIDField(db_index=True)
    kind = fields.CharEnumField(CredentialKind, max_length=16)
    secret_hash = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "credential"
        unique_together = (("subject_kind", "subject_id", "kind"),)
