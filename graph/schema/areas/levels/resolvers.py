"""Assurance levels (P7): verifyBankCard, with its types (the verification state is PersonAccount.verification).

The types live beside the resolvers because this area owns no shared schema module; they only adapt
``uidp.services.persons.levels`` values.
"""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx
from graph.schema.areas.levels.inputs import VerifyBankCardInput
from graph.schema.areas.levels.types import BankCheckResult
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from uidp.domain.accounts import SubjectKind
from uidp.services.persons.levels import Levels, Verification
from uidp.services.shared.principal import Principal

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
    c = ctx(info)

    async def call(principal: Principal) -> BankCheckResult:
        verification = await Levels(c.rt).verify_bank_card(principal, input.card_number, input.reserved_phone, c.client)
        return _result(verification)

    return await as_caller(info, call, kind=SubjectKind.PERSON)
