"""What the person's own space answers (P11)."""

from __future__ import annotations

import strawberry

from graph.schema.types import (
    PersonAccount,
)


@strawberry.type(description="P11: the password was changed; the other sessions have ended, this one stays.")
class PasswordChanged:
    sessions_ended: int


@strawberry.type(description="P11: the account's phone was replaced.")
class PhoneChanged:
    account: PersonAccount


@strawberry.type(description="The session has ended.")
class SessionEnded:
    session_id: strawberry.ID
    was_current: bool


@strawberry.type(description="The third-party login was unbound.")
class LoginUnbound:
    provider: str


@strawberry.type(description="The notice is acknowledged and no longer listed.")
class NoticeAcknowledged:
    notice_id: strawberry.ID
