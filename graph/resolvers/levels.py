"""Assurance levels (P7): verifyBankCard, with its types (the verification state is PersonAccount.verification).

The types live beside the resolvers because this area owns no shared schema module; they only adapt
``uidp.services.persons.levels`` values.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import ctx, guarded, principal_or_error
from graph.schema.enums import AssuranceLevel, BankCheckReason, BankCheckStatus
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from uidp.domain.accounts import SubjectKind
from uidp.services.persons.levels import Levels, Verification
from uidp.services.shared.principal import Principal


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


VerifyBankCardResult = Annotated[
    BankCheckResult | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("VerifyBankCardResult"),
]


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
