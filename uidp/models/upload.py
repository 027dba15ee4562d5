"""Documents uploaded for manual registration and appeals; content is encrypted at rest."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DocumentKind(StrEnum):
    CERTIFICATE_FRONT = "CERTIFICATE_FRONT"
    CERTIFICATE_BACK = "CERTIFICATE_BACK"
    SUPPORTING = "SUPPORTING"
    BUSINESS_LICENCE = "BUSINESS_LICENCE"  # E10: 营业执照
    AUTHORISATION_LETTER = "AUTHORISATION_LETTER"  # E10: 授权委托书


class Upload(Model):
    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(DocumentKind, max_length=20)
    content_type = fields.CharField(max_length=64)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    content_enc = fields.BinaryField()
    # Null until a registration or appeal claims the upload; a claimed upload cannot be claimed again.
    owner_kind = fields.CharField(max_length=16, null=True)
    owner_id = fields.UUIDField(null=True, db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "upload"
