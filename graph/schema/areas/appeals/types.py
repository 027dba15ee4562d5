"""What the appeals (P9a, P9b, E10) and binding a new phone answer."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="The appeal waits for staff; the decision arrives by SMS.")
class AppealSubmitted:
    case_id: strawberry.ID
    due_at: datetime


@strawberry.type(
    description="P9b: continue with the bank card, the new phone and the new password. Every well-formed "
    "number gets a ticket; whether it has an account is told after the new phone's code."
)
class CertificateAppealStarted:
    ticket: str
    masked_certificate_number: str


@strawberry.type(description="A new phone is bound to the account.")
class PhoneBound:
    ok: bool = True
