"""Assurance levels (P7, manual §1.4): the bank-card check to level 2 (the state: PersonAccount.verification)."""

from __future__ import annotations

import strawberry

from graph.resolvers import levels


@strawberry.type
class LevelsMutation:
    verify_bank_card: levels.VerifyBankCardResult = strawberry.field(
        resolver=levels.verify_bank_card, description="P7: bank-card four-element check to level 2 (中级)."
    )
