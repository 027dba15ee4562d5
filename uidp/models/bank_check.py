"""Bank-card four-element checks of a person (P7 中级认证). The card number is stored encrypted and masked only."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from uidp.domain.bank_cards import BankCheckStatus


class BankCheck(Model):
    id = fields.UUIDField(primary_key=True)
    person_id = fields.UUIDField(db_index=True)
    status = fields.CharEnumField(BankCheckStatus, max_length=12)
    reason = fields.CharField(max_length=32, null=True)  # a MismatchReason when FAILED
    masked_card = fields.CharField(max_length=32)  # 6222 **** **** 0123
    card_number_enc = fields.TextField()
    provider = fields.CharField(max_length=64)  # the verifier's id
    provider_reference = fields.CharField(max_length=128, null=True)  # what poll() takes while PENDING
    # The person's id while PENDING, cleared on decision: the database allows one pending check per person.
    pending_key = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(db_index=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bank_check"
