"""Assurance levels (P7, manual §1.4): the bank-card check to level 2 (the state: PersonAccount.verification)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.levels import resolvers


@strawberry.type
class LevelsMutation:
    verify_bank_card: resolvers.VerifyBankCardResult = strawberry.field(
        resolver=resolvers.verify_bank_card, description="P7: bank-card four-element check to level 2 (中级)."
    )
