"""Staff review queue (A1): reviewQueue, reviewCase, decideReviewCase."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.permissions import require_staff
from graph.resolvers.common import as_caller, ctx
from graph.schema.areas.review.inputs import DecideReviewCaseInput
from graph.schema.areas.review.types import (
    CaseKind,
    ReviewCase,
    ReviewCaseConnection,
    ReviewCaseDecided,
    ReviewCaseEdge,
)
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, result_union
from graph.schema.pagination import After, Before, First, Last, connection
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.pagination import encode_cursor
from uidp.services.shared.principal import Principal
from uidp.services.staff.case_decisions import CaseDecisions
from uidp.services.staff.review import ReviewCases

DecideReviewCaseResult = Annotated[
    ReviewCaseDecided | NotAuthenticated | Forbidden | FieldError,
    result_union("DecideReviewCaseResult"),
]


def _case_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, "案件不存在", "caseId") from None


async def review_queue(
    info: Info,
    kind: CaseKind | None = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> ReviewCaseConnection:
    await require_staff(info)
    c = ctx(info)
    page = await ReviewCases(c.rt).queue(kind=kind, first=first, after=after, last=last, before=before)
    now = c.rt.clock.now()
    return connection(
        ReviewCaseConnection,
        ReviewCaseEdge,
        page,
        lambda row: ReviewCase(model=row, now=now),
        lambda row: encode_cursor(row.submitted_at, row.id),
    )


async def review_case(info: Info, id: strawberry.ID) -> ReviewCase | None:
    principal = await require_staff(info)
    c = ctx(info)
    cases = ReviewCases(c.rt)
    try:
        case = await cases.get(_case_id(id))
    except DomainError:
        return None
    if case is None:
        return None
    number = await cases.claimed_certificate_number(principal, case, c.client)
    return ReviewCase(model=case, now=c.rt.clock.now(), claimed_certificate_number=number)


async def decide_review_case(info: Info, input: DecideReviewCaseInput) -> DecideReviewCaseResult:
    c = ctx(info)

    async def call(principal: Principal) -> ReviewCaseDecided:
        case = await CaseDecisions(c.rt).decide(
            principal, _case_id(input.case_id), approve=input.approve, reason=input.reason, client=c.client
        )
        return ReviewCaseDecided(case=ReviewCase(model=case, now=c.rt.clock.now()))

    return await as_caller(info, call, require_staff)
