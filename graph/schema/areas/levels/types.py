"""What the bank-card check answers (P7)."""

from __future__ import annotations

import strawberry

from graph.schema.enums import BankCheckReason, BankCheckStatus
from graph.schema.types import (
    AssuranceLevel,
)


@strawberry.type(description="The answer of verifyBankCard: matched (level 2), pending (认证中) or failed.")
class BankCheckResult:
    status: BankCheckStatus
    status_label: str = strawberry.field(description="认证中 / 已认证 / 认证失败")
    reason: BankCheckReason | None
    reason_message: str | None = strawberry.field(description="zh-CN, e.g. 姓名不一致; null unless FAILED.")
    masked_card_number: str = strawberry.field(description="6217 **** **** 0013")
    level: AssuranceLevel
    level_label: str = strawberry.field(description="初级 / 中级 / 高级")
