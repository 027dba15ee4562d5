"""The service-item catalogue (服务事项): what grants may cover (E9), managed by staff (A2)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ServiceItem(Model):
    id = fields.UUIDField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    delegable = fields.BooleanField(default=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "service_item"
