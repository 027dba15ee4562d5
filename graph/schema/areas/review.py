"""Appeals (P9a, P9b) and the staff review queue (A1)."""

from __future__ import annotations

import strawberry

from graph.resolvers import appeals, review
from graph.schema.review_types import ReviewCase, ReviewCaseConnection


@strawberry.type
class ReviewQuery:
    review_queue: ReviewCaseConnection = strawberry.field(
        resolver=review.review_queue, description="Reviewers: pending cases, oldest first, with due times."
    )
    review_case: ReviewCase | None = strawberry.field(resolver=review.review_case, description="Reviewers: one case.")


@strawberry.type
class ReviewMutation:
    submit_phone_appeal: appeals.SubmitPhoneAppealResult = strawberry.field(
        resolver=appeals.submit_phone_appeal,
        description="Appeal: my phone number was registered by someone else (P9a).",
    )
    start_certificate_appeal: appeals.StartCertificateAppealResult = strawberry.field(
        resolver=appeals.start_certificate_appeal,
        description="Start an appeal: my ID number was registered with someone else's phone (P9b step 1).",
    )
    submit_certificate_appeal: appeals.SubmitCertificateAppealResult = strawberry.field(
        resolver=appeals.submit_certificate_appeal,
        description="Finish that appeal: bank-card check, new phone and new password (P9b steps 2-3).",
    )
    bind_new_phone: appeals.BindNewPhoneResult = strawberry.field(
        resolver=appeals.bind_new_phone, description="After a phone appeal: bind a new phone."
    )
    decide_review_case: review.DecideReviewCaseResult = strawberry.field(
        resolver=review.decide_review_case, description="A1: approve or reject, once."
    )
