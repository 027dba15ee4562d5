"""What the recovery steps answer (P8)."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="P8 step 1 done: keep `ticket` for the next steps; show `maskedPhone`.")
class RecoveryStarted:
    ticket: str
    masked_phone: str
    expires_at: datetime
    lost_phone_hint: str = strawberry.field(description="What to do when the phone on record is gone (FAQ 3.1).")


@strawberry.type(description="P8 done: log in with the new password; every session of the account has ended.")
class PasswordRecovered:
    ok: bool = True
