"""Assurance levels (P7): verifyBankCard and myVerification, with their types.

The types live beside the resolvers because this area owns no shared schema module; they only adapt
``uidp.services.persons.levels`` values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import ctx, guarded, principal_or_error, require_principal
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from graph.schema.types import AssuranceLevel
from uidp.domain.accounts import SubjectKind
from uidp.domain.bank_cards import BankCheckStatus as DomainBankCheckStatus
from uidp.domain.bank_cards import MismatchReason as DomainMismatchReason
from uidp.services.persons.levels import BankCheckView, Levels, Verification
from uidp.services.shared.principal import Principal

BankCheckStatus = strawberry.enum(
    DomainBankCheckStatus, name="BankCheckStatus", description="PENDING 认证中, MATCHED 已认证, FAILED 认证失败."
)
BankCheckReason = strawberry.enum(
    DomainMismatchReason, name="BankCheckReason", description="Why a bank-card check failed."
)


@strawberry.input(description="P7: the card and its bank-reserved phone; name and certificate come from the account.")
class VerifyBankCardInput:
    card_number: str = strawberry.field(description="13-19 digits, spaces allowed; Luhn-checked.")
    reserved_phone: str = strawberry.field(description="The phone given at account opening; must be the account's.")


@strawberry.type(description="The answer of verifyBankCard: matched (level 2), pending (认证中) or failed.")
class BankCheckResult:
    status: BankCheckStatus
    status_label: str = strawberry.field(description="认证中 / 已认证 / 认证失败")
    reason: BankCheckReason | None
    reason_message: str | None = strawberry.field(description="zh-CN, e.g. 姓名不一致; null unless FAILED.")
    masked_card_number: str = strawberry.field(description="6217 **** **** 0013")
    level: AssuranceLevel
    level_label: str = strawberry.field(description="初级 / 中级 / 高级")


@strawberry.type(description="A bank-card check of mine (the latest one).")
class BankCardCheck:
    status: BankCheckStatus
    status_label: str = strawberry.field(description="认证中 / 已认证 / 认证失败")
    reason: BankCheckReason | None
    reason_message: str | None
    masked_card_number: str
    created_at: datetime
    decided_at: datetime | None


@strawberry.type(description="My assurance level and bank-card check (P7 用户空间).")
class MyVerification:
    level: AssuranceLevel
    level_label: str = strawberry.field(description="初级 / 中级 / 高级")
    label: str = strawberry.field(description="认证中 while a check is pending, else 初级认证 / 中级认证 / 高级认证.")
    bank_check: BankCardCheck | None = strawberry.field(description="The latest check, or null.")


VerifyBankCardResult = Annotated[
    BankCheckResult | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("VerifyBankCardResult"),
]


def _check(view: BankCheckView) -> BankCardCheck:
    return BankCardCheck(
        status=view.status,
        status_label=view.status_label,
        reason=view.reason,
        reason_message=view.reason_message,
        masked_card_number=view.masked_card,
        created_at=view.created_at,
        decided_at=view.decided_at,
    )


def _result(verification: Verification) -> BankCheckResult:
    view = verification.check
    assert view is not None  # verify always stores a check
    return BankCheckResult(
        status=view.status,
        status_label=view.status_label,
        reason=view.reason,
        reason_message=view.reason_message,
        masked_card_number=view.masked_card,
        level=verification.level,
        level_label=verification.level.label,
    )


async def verify_bank_card(info: Info, input: VerifyBankCardInput) -> VerifyBankCardResult:
    c, principal = ctx(info), await principal_or_error(info, kind=SubjectKind.PERSON)
    if not isinstance(principal, Principal):
        return principal

    async def call() -> BankCheckResult:
        verification = await Levels(c.rt).verify_bank_card(principal, input.card_number, input.reserved_phone, c.client)
        return _result(verification)

    return await guarded(info, call)


async def my_verification(info: Info) -> MyVerification:
    """Person only: anonymous callers get NOT_AUTHENTICATED, staff FORBIDDEN (top-level errors)."""
    c = ctx(info)
    principal = await require_principal(info, kind=SubjectKind.PERSON)
    verification = await Levels(c.rt).bank_check_status(principal, c.client)
    return MyVerification(
        level=verification.level,
        level_label=verification.level.label,
        label=verification.label,
        bank_check=_check(verification.check) if verification.check else None,
    )
