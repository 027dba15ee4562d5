"""What account cancellation shows and answers (P10)."""

from __future__ import annotations

import strawberry


@strawberry.type(description="P10: what cancelling an account means (manual §1.7 温馨提示).")
class CancellationNotice:
    consequences: list[str]
    afterwards: str


@strawberry.type(description="P10: the account and its personal data are deleted; the session cookie is cleared.")
class AccountCancelled:
    ok: bool = True
