"""Root fields of the staff review queue (A1)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.review import resolvers as review
from graph.schema.areas.review.types import ReviewCase, ReviewCaseConnection


@strawberry.type
class ReviewQuery:
    review_queue: ReviewCaseConnection = strawberry.field(
        resolver=review.review_queue, description="Reviewers: pending cases, oldest first, with due times."
    )
    review_case: ReviewCase | None = strawberry.field(resolver=review.review_case, description="Reviewers: one case.")


@strawberry.type
class ReviewMutation:
    decide_review_case: review.DecideReviewCaseResult = strawberry.field(
        resolver=review.decide_review_case, description="Reviewers: approve or reject a case, once (A1)."
    )
