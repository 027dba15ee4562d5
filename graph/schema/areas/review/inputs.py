"""Inputs of the staff review queue (A1)."""

from __future__ import annotations

import strawberry


@strawberry.input(description="A1: approve, or reject with a reason the applicant receives by SMS.")
class DecideReviewCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The review case's id.")
    approve: bool = strawberry.field(
        description="True to approve the case, false to reject it (a rejection needs `reason`)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why the case is rejected (up to 500 characters); the applicant receives it by SMS."
    )
