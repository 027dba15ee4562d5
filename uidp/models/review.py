"""Cases that wait for staff (A1): manual registrations (P1c) and appeals (P9a, P9b; later E10)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CaseKind(StrEnum):
    MANUAL_REGISTRATION = "MANUAL_REGISTRATION"
    PHONE_APPEAL = "PHONE_APPEAL"
    CERTIFICATE_APPEAL = "CERTIFICATE_APPEAL"
    ENTITY_APPEAL = "ENTITY_APPEAL"


class CaseStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ReviewCase(Model):
    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(CaseKind, max_length=24)
    status = fields.CharEnumField(CaseStatus, max_length=12, default=CaseStatus.PENDING)
    person_id = fields.UUIDField(null=True, db_index=True)  # the account the case is about, if any
    # Set while pending, cleared on decision: the database allows one pending case per kind and subject.
    pending_key = fields.CharField(max_length=64, null=True, unique=True)
    submitted_at = fields.DatetimeField(db_index=True)
    due_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.UUIDField(null=True)
    decision_reason = fields.CharField(max_length=500, null=True)
    notify_phone_enc = fields.TextField()  # where the decision SMS goes
    details_enc = fields.TextField()  # encrypted JSON: what approval needs (may hold a password hash)
    summary = fields.JSONField(default=dict)  # masked values for the queue

    class Meta:
        table = "review_case"
