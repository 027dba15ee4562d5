"""Inputs of the delegation area. `underGrant`: the grant the acting person holds (a person's own session);
omitted by the entity's own session and by a proxy session (which acts under its own grant)."""

from __future__ import annotations

from datetime import datetime

import strawberry

UNDER_GRANT = "A grant you hold, to act under it (person sessions); omit it as the entity or in a proxy session."


@strawberry.input(description="A grant's validity: from `startsAt` (default now) until `endsAt` (exclusive).")
class GrantPeriodInput:
    ends_at: datetime = strawberry.field(description="The end (exclusive), after the start and in the future.")
    starts_at: datetime | None = strawberry.field(default=None, description="The start; default now.")


@strawberry.input(description="§2.6.1.1: the certificate number of the person to add (the system shows the name).")
class FindGrantCandidateInput:
    certificate_number: str = strawberry.field(description="The person's certificate number (ID card or other).")
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="§2.6.1.1 confirmed: add the person to the candidate list.")
class AddGrantCandidateInput:
    certificate_number: str = strawberry.field(description="The person's certificate number (ID card or other).")
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="§2.6.1.3: remove a candidate.")
class RemoveGrantCandidateInput:
    candidate_id: strawberry.ID = strawberry.field(description="The candidate to remove (`GrantCandidate.id`).")
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="§2.6.2: a new grant to a candidate.")
class CreateGrantInput:
    grantee: strawberry.ID = strawberry.field(description="The candidate's id (`GrantCandidate.id`).")
    scope: list[str] = strawberry.field(description="Service-item codes (delegable items of serviceItems).")
    period: GrantPeriodInput = strawberry.field(description="The validity period, inside the grantor's own.")
    may_grant_onward: bool = strawberry.field(
        default=False, description="The grantee may grant onward (not at depth 3)."
    )
    may_manage_candidates: bool = strawberry.field(
        default=False, description="The grantee may change the candidate list (only if the grantor may)."
    )
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="§2.6.2 修改: a new scope and/or period (omitted parts stay).")
class ChangeGrantInput:
    grant_id: strawberry.ID = strawberry.field(description="The grant to change (`Grant.id`).")
    scope: list[str] | None = strawberry.field(default=None, description="The new scope (replaces the old).")
    period: GrantPeriodInput | None = strawberry.field(default=None, description="The new period.")
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="§2.6.2 取消: cancel a grant and everything below it.")
class RevokeGrantInput:
    grant_id: strawberry.ID = strawberry.field(description="The grant to cancel (`Grant.id`).")
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="申请授权: a person asks an entity for a grant.")
class ApplyForGrantInput:
    credit_code: str = strawberry.field(description="The entity's unified social credit code.")
    scope: list[str] = strawberry.field(description="Service-item codes asked for.")
    period: GrantPeriodInput = strawberry.field(description="The period asked for.")
    reason: str = strawberry.field(description="Why the grant is needed (at most 200 characters).")


@strawberry.input(description="Approve an application: the grant is made by the entity, or under `underGrant`.")
class ApproveGrantApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The application (`GrantApplication.id`).")
    may_grant_onward: bool = strawberry.field(default=False, description="The grant made may be granted onward.")
    may_manage_candidates: bool = strawberry.field(
        default=False, description="The grant made may change the candidate list."
    )
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)


@strawberry.input(description="Reject an application with a reason (sent to the applicant by SMS).")
class RejectGrantApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The application (`GrantApplication.id`).")
    reason: str = strawberry.field(description="Why it is refused, sent to the applicant (at most 200 characters).")
    under_grant: strawberry.ID | None = strawberry.field(default=None, description=UNDER_GRANT)
