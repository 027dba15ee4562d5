"""Input of the bank-card check (P7)."""

from __future__ import annotations

import strawberry


@strawberry.input(description="P7: the card and its bank-reserved phone; name and certificate come from the account.")
class VerifyBankCardInput:
    card_number: str = strawberry.field(description="13-19 digits, spaces allowed; Luhn-checked.")
    reserved_phone: str = strawberry.field(description="The phone given at account opening; must be the account's.")
