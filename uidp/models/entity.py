"""Legal persons (法人, §2): enterprises, individual businesses, institutions and others.

PII and business identifiers are stored encrypted; ``*_index`` columns are blind indexes for lookups.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class EntityType(StrEnum):
    """法人类型 as the manual lists them."""

    ENTERPRISE = "ENTERPRISE"  # 企业法人
    INDIVIDUAL_BUSINESS = "INDIVIDUAL_BUSINESS"  # 个体工商户
    PUBLIC_INSTITUTION = "PUBLIC_INSTITUTION"  # 事业单位
    SOCIAL_ORGANISATION = "SOCIAL_ORGANISATION"  # 社会组织
    GOVERNMENT_ORGAN = "GOVERNMENT_ORGAN"  # 机关
    OTHER = "OTHER"  # 其他


class EntityStatus(StrEnum):
    ACTIVE = "ACTIVE"


class Entity(Model):
    id = fields.UUIDField(primary_key=True)
    status = fields.CharEnumField(EntityStatus, max_length=12, default=EntityStatus.ACTIVE)
    entity_type = fields.CharEnumField(EntityType, max_length=24)
    # The unified social credit code: unique, found by its blind index.
    credit_code_index = fields.CharField(max_length=64, unique=True)
    credit_code_enc = fields.TextField()
    name_enc = fields.TextField()
    # The legal representative's real-name person account (E1).
    representative_id = fields.UUIDField(db_index=True)
    contact_name_enc = fields.TextField()
    contact_certificate_number_enc = fields.TextField()
    contact_phone_enc = fields.TextField()
    contact_phone_index = fields.CharField(max_length=64, db_index=True)  # not unique: one contact, many entities
    level = fields.SmallIntField(default=2)  # E1: entities start at 中级
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "entity"
