"""Staff accounts (管理员). Roles and second factors grow with the staff issue."""

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
