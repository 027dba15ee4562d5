"""Staff accounts (管理员) with roles, and their TOTP second factor."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class StaffAccount(Model):
    id = fields.UUIDField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64)
    roles = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "staff_account"


class StaffTotp(Model):
    """The TOTP shared secret, sealed with the PII cipher, and the last step used (a code works once)."""

    staff_id = fields.UUIDField(primary_key=True)
    secret_enc = fields.TextField()
    last_step = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "staff_totp"


class StaffEnrolment(Model):
    """A staff member's open enrolment: a single-use setup code, then (once started) a pending TOTP secret.

    ``purpose`` is ``create`` (a new account sets its password and TOTP) or ``totp_reset`` (a new TOTP, proven
    with the current password). One open enrolment per account; a new setup code replaces it.
    """

    staff_id = fields.UUIDField(primary_key=True)
    purpose = fields.CharField(max_length=16)
    code_hash = fields.CharField(max_length=64)
    code_expires_at = fields.DatetimeField()
    token_hash = fields.CharField(max_length=64, null=True, unique=True)  # set when the setup code is spent
    token_expires_at = fields.DatetimeField(null=True)
    secret_enc = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "staff_enrolment"
