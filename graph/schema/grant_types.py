"""Grants and applications as the user space shows them (issue 11 item 7), with their Relay connections.

``EntityAccount.grantsGiven`` / ``applications`` and ``PersonAccount.grantsHeld`` / ``grantsGiven`` /
``applications`` are the account's own session's only (never a proxy session's; empty for anyone else). Every
field that needs another record goes through a DataLoader (``graph.loaders``): a page of grants with grantee,
grantor and sub-grants costs the same few queries whatever its size.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from graph.schema.pagination import PageInfo, connection
from uidp.domain.delegation import ApplicationStatus as DomainApplicationStatus
from uidp.domain.delegation import GrantStatus as DomainGrantStatus
from uidp.domain.delegation import status_at
from uidp.models.grant import Grant as GrantRow
from uidp.models.grant import GrantRecord
from uidp.models.grant_application import GrantApplication as ApplicationRow
from uidp.services.delegation.chains import facts_of
from uidp.services.delegation.grant_views import GrantViews, own_entity, own_person
from uidp.services.shared.pagination import Page, Window, encode_cursor

GrantStatus = strawberry.enum(
    DomainGrantStatus,
    name="GrantStatus",
    description="待生效 PENDING, 生效中 ACTIVE, 已过期 EXPIRED, 已取消 CANCELLED.",
)
ApplicationStatus = strawberry.enum(
    DomainApplicationStatus, name="ApplicationStatus", description="An application's decision (待审批, 已批准, 已拒绝)."
)


@strawberry.type(description="A party of a grant: the entity (level-1 grantor) or a person; masked (X4).")
class GrantParty:
    id: strawberry.ID
    kind: str = strawberry.field(description="`entity` or `person`.")
    masked_name: str


async def _person(info: strawberry.Info, person_id: uuid.UUID) -> GrantParty:
    view = await info.context.loaders.persons.load(person_id)
    return GrantParty(id=strawberry.ID(str(person_id)), kind="person", masked_name=view.masked_name if view else "")


async def _entity(info: strawberry.Info, entity_id: uuid.UUID) -> GrantParty:
    view = await info.context.loaders.entities.load(entity_id)
    return GrantParty(id=strawberry.ID(str(entity_id)), kind="entity", masked_name=view.masked_name if view else "")


@strawberry.type(description="One line of a grant's history.")
class GrantHistoryEntry:
    at: datetime
    action: str = strawberry.field(description="created, changed, cancelled, expired or ended.")
    actor_kind: str | None = strawberry.field(description="entity, person or system.")
    details: strawberry.scalars.JSON = strawberry.field(description="Old and new period or scope, the end reason.")


@strawberry.type(description="A grant (授权, §2.6.2): a person may act for an entity on service items in a period.")
class Grant:
    """The row's plain columns are plain fields (copied once by :meth:`of`, no resolver call each); what needs
    the clock or another record resolves, the latter through the DataLoaders."""

    row: strawberry.Private[GrantRow]
    id: strawberry.ID
    level: int = strawberry.field(description="1: granted by the entity; 2 and 3: granted onward.")
    service_items: list[str] = strawberry.field(description="The service-item codes the grant covers.")
    starts_at: datetime
    ends_at: datetime
    may_grant_onward: bool
    may_manage_candidates: bool
    created_at: datetime
    ended_at: datetime | None
    end_reason: str | None = strawberry.field(
        description="Why it ended: cancelled, expired, parent_ended, no_longer_fits, ..."
    )

    @classmethod
    def of(cls, row: GrantRow) -> Grant:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            level=row.depth,
            service_items=list(row.scope),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            may_grant_onward=row.may_grant_onward,
            may_manage_candidates=row.may_manage_candidates,
            created_at=row.created_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
        )

    @strawberry.field(description="This grant's own status now (a grant above it ending also ends it).")
    def status(self, info: strawberry.Info) -> GrantStatus:
        return status_at(facts_of(self.row), info.context.rt.clock.now())

    @strawberry.field
    async def entity(self, info: strawberry.Info) -> GrantParty:
        return await _entity(info, self.row.entity_id)

    @strawberry.field
    async def grantor(self, info: strawberry.Info) -> GrantParty:
        if self.row.parent_id is None:
            return await _entity(info, self.row.grantor_id)
        return await _person(info, self.row.grantor_id)

    @strawberry.field
    async def grantee(self, info: strawberry.Info) -> GrantParty:
        return await _person(info, self.row.grantee_id)

    @strawberry.field(description="The grants given onward directly below this one, oldest first.")
    async def sub_grants(self, info: strawberry.Info) -> list[Grant]:
        return [Grant.of(row) for row in await info.context.loaders.sub_grants.load(self.row.id)]

    @strawberry.field(description="What happened to this grant, oldest first.")
    async def history(self, info: strawberry.Info) -> list[GrantHistoryEntry]:
        records: list[GrantRecord] = await info.context.loaders.grant_history.load(self.row.id)
        return [
            GrantHistoryEntry(at=r.at, action=r.action, actor_kind=r.actor_kind, details=r.details) for r in records
        ]


@strawberry.type(description="A person's application to an entity for a grant (申请授权).")
class GrantApplication:
    """Plain fields as :class:`Grant`'s; the parties resolve through the DataLoaders."""

    row: strawberry.Private[ApplicationRow]
    id: strawberry.ID
    status: ApplicationStatus
    service_items: list[str]
    starts_at: datetime
    ends_at: datetime
    reason: str
    decided_at: datetime | None
    decision_reason: str | None
    grant_id: strawberry.ID | None
    created_at: datetime

    @classmethod
    def of(cls, row: ApplicationRow) -> GrantApplication:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            status=DomainApplicationStatus(row.status),
            service_items=list(row.scope),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reason=row.reason,
            decided_at=row.decided_at,
            decision_reason=row.decision_reason,
            grant_id=strawberry.ID(str(row.grant_id)) if row.grant_id else None,
            created_at=row.created_at,
        )

    @strawberry.field
    async def entity(self, info: strawberry.Info) -> GrantParty:
        return await _entity(info, self.row.entity_id)

    @strawberry.field
    async def applicant(self, info: strawberry.Info) -> GrantParty:
        return await _person(info, self.row.applicant_id)


@strawberry.type(description="One grant in a page, with its cursor.")
class GrantEdge:
    cursor: str
    node: Grant


@strawberry.type(description="Grants, newest first (Relay).")
class GrantConnection:
    edges: list[GrantEdge]
    page_info: PageInfo


@strawberry.type(description="One application in a page, with its cursor.")
class GrantApplicationEdge:
    cursor: str
    node: GrantApplication


@strawberry.type(description="Applications, newest first (Relay).")
class GrantApplicationConnection:
    edges: list[GrantApplicationEdge]
    page_info: PageInfo


def _grants(page: Page[GrantRow]) -> GrantConnection:
    return connection(GrantConnection, GrantEdge, page, Grant.of, lambda row: encode_cursor(row.created_at, row.id))


def _applications(page: Page[ApplicationRow]) -> GrantApplicationConnection:
    return connection(
        GrantApplicationConnection,
        GrantApplicationEdge,
        page,
        GrantApplication.of,
        lambda row: encode_cursor(row.created_at, row.id),
    )


_EMPTY: Page[Any] = Page([], has_next_page=False, has_previous_page=False)


async def entity_grants_given(info: strawberry.Info, entity_id: uuid.UUID, window: Window) -> GrantConnection:
    if not own_entity(await info.context.principal(), entity_id):
        return _grants(_EMPTY)
    return _grants(await GrantViews().given_by_entity(entity_id, window))


async def entity_applications(
    info: strawberry.Info, entity_id: uuid.UUID, window: Window
) -> GrantApplicationConnection:
    if not own_entity(await info.context.principal(), entity_id):
        return _applications(_EMPTY)
    return _applications(await GrantViews().applications_in(entity_id, window))


async def person_grants(info: strawberry.Info, person_id: uuid.UUID, window: Window, *, held: bool) -> GrantConnection:
    if not own_person(await info.context.principal(), person_id):
        return _grants(_EMPTY)
    views = GrantViews()
    return _grants(await (views.held(person_id, window) if held else views.given_by_person(person_id, window)))


async def person_applications(
    info: strawberry.Info, person_id: uuid.UUID, window: Window
) -> GrantApplicationConnection:
    if not own_person(await info.context.principal(), person_id):
        return _applications(_EMPTY)
    return _applications(await GrantViews().applications_out(person_id, window))
