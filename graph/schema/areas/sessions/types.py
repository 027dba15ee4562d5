"""What logout answers."""

from __future__ import annotations

import strawberry


@strawberry.type(description="The session has ended.")
class LoggedOut:
    ok: bool = True
