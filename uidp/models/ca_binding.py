"""CA certificate bindings (E5): which certificate logs in as which entity (or person).

One binding per certificate: the SHA-256 fingerprint of the DER is unique. A certificate's subject DN names an
organisation and is not personal data for entities, but for persons it names the person, so it is always stored
encrypted (``ca_binding.subject_dn``) to keep one rule for both.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CertificateBinding(Model):
    id = fields.UUIDField(primary_key=True)
    subject_kind = fields.CharField(max_length=16)  # "entity" or "person"
    subject_id = fields.UUIDField(db_index=True)
    fingerprint = fields.CharField(max_length=64, unique=True)  # SHA-256 of the certificate DER, hex
    subject_dn_enc = fields.TextField()
    serial = fields.CharField(max_length=64)  # hex
    not_after = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "ca_binding"
