"""Input of account cancellation (P10)."""

from __future__ import annotations

import strawberry


@strawberry.input(description="P10: confirm with my certificate number and a CANCEL_ACCOUNT code.")
class CancelAccountInput:
    certificate_number: str = strawberry.field(
        description="The account's own certificate number, typed again to confirm."
    )
    sms_code: str = strawberry.field(description="The CANCEL_ACCOUNT code sent to the account's own phone.")
