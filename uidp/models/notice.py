"""Notices an account must see at its next login (e.g. "your phone went to someone else by an appeal")."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class NoticeKind(StrEnum):
    PHONE_MOVED_BY_APPEAL = "PHONE_MOVED_BY_APPEAL"  # P9a took the account's phone: bind a new one


class AccountNotice(Model):
    id = fields.UUIDField(primary_key=True)
    subject_kind = fields.CharField(max_length=16)
    subject_id = fields.UUIDField(db_index=True)
    kind = fields.CharEnumField(NoticeKind, max_length=32)
    details = fields.JSONField(default=dict)  # masked values only
    created_at = fields.DatetimeField()
    acknowledged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_notice"
