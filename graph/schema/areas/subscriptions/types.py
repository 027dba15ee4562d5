"""What the subscriptions send."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="The session of this connection has ended; log in again.")
class SessionEndedEvent:
    reason: str = strawberry.field(
        description="`logout`, `expired`, `idle`, `password_changed`, `password_recovered`, `phone_appeal`, ..."
    )
    at: datetime
