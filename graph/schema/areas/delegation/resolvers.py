"""E9 delegation: candidates (find, add, remove, list), grants (create, change, revoke, read), applications."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx, require_principal
from graph.schema.areas.delegation.inputs import (
    AddGrantCandidateInput,
    ApplyForGrantInput,
    ApproveGrantApplicationInput,
    ChangeGrantInput,
    CreateGrantInput,
    FindGrantCandidateInput,
    RejectGrantApplicationInput,
    RemoveGrantCandidateInput,
    RevokeGrantInput,
)
from graph.schema.areas.delegation.types import (
    GrantApplicationDecided,
    GrantApplicationSubmitted,
    GrantCandidate,
    GrantCandidateAdded,
    GrantCandidateConnection,
    GrantCandidateEdge,
    GrantCandidateFound,
    GrantCandidateRemoved,
    GrantChanged,
    GrantCreated,
    GrantRevoked,
)
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from graph.schema.grant_types import Grant, GrantApplication
from graph.schema.pagination import After, Before, First, Last, connection
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.delegation.applications import ApplicationForm, Applications, Decided, Decision
from uidp.services.delegation.candidates import Candidates
from uidp.services.delegation.grants import GrantChange, GrantForm, Grants
from uidp.services.shared.pagination import Window, encode_cursor
from uidp.services.shared.principal import Principal

DelegationCandidatesResult = Annotated[
    GrantCandidateConnection | NotAuthenticated | Forbidden | FieldError, result_union("DelegationCandidatesResult")
]
FindGrantCandidateResult = Annotated[
    GrantCandidateFound | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("FindGrantCandidateResult"),
]
AddGrantCandidateResult = Annotated[
    GrantCandidateAdded | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("AddGrantCandidateResult"),
]
RemoveGrantCandidateResult = Annotated[
    GrantCandidateRemoved | NotAuthenticated | Forbidden | FieldError, result_union("RemoveGrantCandidateResult")
]
CreateGrantResult = Annotated[
    GrantCreated | NotAuthenticated | Forbidden | FieldError, result_union("CreateGrantResult")
]
ChangeGrantResult = Annotated[
    GrantChanged | NotAuthenticated | Forbidden | FieldError, result_union("ChangeGrantResult")
]
RevokeGrantResult = Annotated[
    GrantRevoked | NotAuthenticated | Forbidden | FieldError, result_union("RevokeGrantResult")
]
ApplyForGrantResult = Annotated[
    GrantApplicationSubmitted | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("ApplyForGrantResult"),
]
ApproveGrantApplicationResult = Annotated[
    GrantApplicationDecided | NotAuthenticated | Forbidden | FieldError,
    result_union("ApproveGrantApplicationResult"),
]
RejectGrantApplicationResult = Annotated[
    GrantApplicationDecided | NotAuthenticated | Forbidden | FieldError,
    result_union("RejectGrantApplicationResult"),
]


DELEGATING = (SubjectKind.PERSON, SubjectKind.ENTITY)
T = TypeVar("T")


def _caller(*kinds: str) -> Callable[[Info], Awaitable[Principal]]:
    """The check for ``as_caller``: a person or entity session (only ``kinds`` when given); staff and API tokens
    are Forbidden."""

    async def check(info: Info) -> Principal:
        principal = await require_principal(info)
        if principal.kind not in (kinds or DELEGATING):
            raise DomainError(ErrorCode.FORBIDDEN, "请使用法人账号或个人账号登录")
        return principal

    return check


def _under(raw: strawberry.ID | None) -> str | None:
    return str(raw) if raw is not None else None


# ---- queries ---------------------------------------------------------------------------------------------------


async def delegation_candidates(
    info: Info,
    under_grant: Annotated[strawberry.ID | None, strawberry.argument(description="A grant you hold.")] = None,
    name: Annotated[str | None, strawberry.argument(description="Only candidates of exactly this name.")] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> DelegationCandidatesResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantCandidateConnection:
        window = Window(first=first, after=after, last=last, before=before)
        views, page = await Candidates(c.rt).search(principal, _under(under_grant), name, window)
        return connection(
            GrantCandidateConnection,
            GrantCandidateEdge,
            page,
            GrantCandidate.of,
            lambda view: encode_cursor(view.added_at, view.id),
            views,
        )

    return await as_caller(info, call, _caller())


async def grant(
    info: Info,
    id: strawberry.ID,
    under_grant: Annotated[strawberry.ID | None, strawberry.argument(description="A grant you hold.")] = None,
) -> Grant | None:
    """The grant with its history, for its entity, the holders of the grants in its chain, or null."""
    c = ctx(info)
    principal = await c.principal()
    if principal is None:
        return None
    found = await Grants(c.rt).visible(principal, str(id), _under(under_grant))
    return Grant.of(found) if found is not None else None


# ---- candidates ------------------------------------------------------------------------------------------------


async def find_grant_candidate(info: Info, input: FindGrantCandidateInput) -> FindGrantCandidateResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantCandidateFound:
        view = await Candidates(c.rt).preview(principal, _under(input.under_grant), input.certificate_number)
        return GrantCandidateFound(
            masked_name=view.masked_name, masked_certificate_number=view.masked_certificate_number, level=view.level
        )

    return await as_caller(info, call, _caller())


async def add_grant_candidate(info: Info, input: AddGrantCandidateInput) -> AddGrantCandidateResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantCandidateAdded:
        view = await Candidates(c.rt).add(principal, _under(input.under_grant), input.certificate_number, c.client)
        return GrantCandidateAdded(candidate=GrantCandidate.of(view))

    return await as_caller(info, call, _caller())


async def remove_grant_candidate(info: Info, input: RemoveGrantCandidateInput) -> RemoveGrantCandidateResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantCandidateRemoved:
        removed = await Candidates(c.rt).remove(principal, _under(input.under_grant), str(input.candidate_id), c.client)
        return GrantCandidateRemoved(candidate_id=strawberry.ID(str(removed)))

    return await as_caller(info, call, _caller())


# ---- grants ----------------------------------------------------------------------------------------------------


async def create_grant(info: Info, input: CreateGrantInput) -> CreateGrantResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantCreated:
        form = GrantForm(
            grantee=str(input.grantee),
            scope=list(input.scope),
            starts_at=input.period.starts_at,
            ends_at=input.period.ends_at,
            may_grant_onward=input.may_grant_onward,
            may_manage_candidates=input.may_manage_candidates,
        )
        made = await Grants(c.rt).create(principal, _under(input.under_grant), form, c.client)
        return GrantCreated(grant=Grant.of(made))

    return await as_caller(info, call, _caller())


async def change_grant(info: Info, input: ChangeGrantInput) -> ChangeGrantResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantChanged:
        change = GrantChange(
            scope=list(input.scope) if input.scope is not None else None,
            starts_at=input.period.starts_at if input.period else None,
            ends_at=input.period.ends_at if input.period else None,
        )
        outcome = await Grants(c.rt).change(principal, _under(input.under_grant), str(input.grant_id), change, c.client)
        return GrantChanged(grant=Grant.of(outcome.grant), ended_below=outcome.ended_below)

    return await as_caller(info, call, _caller())


async def revoke_grant(info: Info, input: RevokeGrantInput) -> RevokeGrantResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantRevoked:
        outcome = await Grants(c.rt).cancel(principal, _under(input.under_grant), str(input.grant_id), c.client)
        return GrantRevoked(grant=Grant.of(outcome.grant), ended_below=outcome.ended_below)

    return await as_caller(info, call, _caller())


# ---- applications ----------------------------------------------------------------------------------------------


async def apply_for_grant(info: Info, input: ApplyForGrantInput) -> ApplyForGrantResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantApplicationSubmitted:
        form = ApplicationForm(
            credit_code=input.credit_code,
            scope=list(input.scope),
            starts_at=input.period.starts_at,
            ends_at=input.period.ends_at,
            reason=input.reason,
        )
        application = await Applications(c.rt).apply(principal, form, c.client)
        return GrantApplicationSubmitted(application=GrantApplication.of(application))

    return await as_caller(info, call, _caller(SubjectKind.PERSON))


def _decided(decided: Decided) -> GrantApplicationDecided:
    made = decided.grant
    return GrantApplicationDecided(
        application=GrantApplication.of(decided.application), grant=Grant.of(made) if made is not None else None
    )


async def approve_grant_application(info: Info, input: ApproveGrantApplicationInput) -> ApproveGrantApplicationResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantApplicationDecided:
        decision = Decision(may_grant_onward=input.may_grant_onward, may_manage_candidates=input.may_manage_candidates)
        decided = await Applications(c.rt).approve(
            principal, _under(input.under_grant), str(input.application_id), decision, c.client
        )
        return _decided(decided)

    return await as_caller(info, call, _caller())


async def reject_grant_application(info: Info, input: RejectGrantApplicationInput) -> RejectGrantApplicationResult:
    c = ctx(info)

    async def call(principal: Principal) -> GrantApplicationDecided:
        decided = await Applications(c.rt).reject(
            principal, _under(input.under_grant), str(input.application_id), input.reason, c.client
        )
        return _decided(decided)

    return await as_caller(info, call, _caller())
