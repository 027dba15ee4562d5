"""A natural person's account (自然人). PII columns hold ciphertext; ``*_index`` columns hold blind indexes."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PersonStatus(StrEnum):
    PROVISIONED = "PROVISIONED"  # imported by staff, waits for activation (P2)
    PENDING_REVIEW = "PENDING_REVIEW"  # manual registration waits for staff (P1c)
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"  # manual registration refused by staff


class PersonSource(StrEnum):
    REGISTERED = "REGISTERED"
    IMPORTED = "IMPORTED"


class Person(Model):
    id = fields.UUIDField(primary_key=True)
    status = fields.CharEnumField(PersonStatus, max_length=20)
    source = fields.CharEnumField(PersonSource, max_length=12)
    certificate_type = fields.CharField(max_length=32)
    # Unique per certificate type + number: the database settles concurrent registrations.
    certificate_index = fields.CharField(max_length=64, unique=True)
    # The number as a login identifier, unique across all certificate types: a passport equal to someone's
    # resident ID number cannot exist beside it. Null only for rows the login backfill could not place.
    login_index = fields.CharField(max_length=64, unique=True, null=True)
    certificate_number_enc = fields.TextField()
    name_enc = fields.TextField()
    # Null only after a phone appeal (P9a) took the phone away: the person must bind a new one.
    phone_index = fields.CharField(max_length=64, unique=True, null=True)
    phone_enc = fields.TextField(null=True)
    gender = fields.CharField(max_length=8, null=True)
    birth_date_enc = fields.TextField(null=True)
    valid_from = fields.DateField(null=True)
    validity_period = fields.CharField(max_length=16, null=True)
    level = fields.SmallIntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    activated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "person"
