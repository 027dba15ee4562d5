"""Assurance levels (P7, manual §1.4): the bank-card check to level 2 and the person's verification state."""

from __future__ import annotations

import strawberry

from graph.resolvers import levels
from graph.resolvers.levels import MyVerification


@strawberry.type
class LevelsQuery:
    my_verification: MyVerification = strawberry.field(
        resolver=levels.my_verification,
        description="Person: my level and latest bank-card check; a pending check is polled first.",
    )


@strawberry.type
class LevelsMutation:
    verify_bank_card: levels.VerifyBankCardResult = strawberry.field(
        resolver=levels.verify_bank_card, description="P7: bank-card four-element check to level 2 (中级)."
    )
