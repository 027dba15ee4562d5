"""The Grant and GrantApplication types every part of the schema answers with (delegation's mutations, the
user-space views), built on the stored row: ``Grant(row=...)``, ``GrantApplication(row=...)``.

Names are masked (X4). A field that needs another record reads it when asked; lists of grants should batch
those reads (graph.loaders) so a page costs the same queries whatever its size.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from uidp.domain.delegation import ApplicationStatus as DomainApplicationStatus
from uidp.domain.delegation import GrantStatus as DomainGrantStatus
from uidp.domain.delegation import status_at
from uidp.models.grant import Grant as GrantRow
from uidp.models.grant_application import GrantApplication as ApplicationRow
from uidp.services.delegation.chains import facts_of
from uidp.services.delegation.views import Names, history_of, sub_grants_of

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
    names = await Names(info.context.rt).load({person_id}, set())
    return GrantParty(id=strawberry.ID(str(person_id)), kind="person", masked_name=names.person(person_id).masked_name)


async def _entity(info: strawberry.Info, entity_id: uuid.UUID) -> GrantParty:
    names = await Names(info.context.rt).load(set(), {entity_id})
    return GrantParty(id=strawberry.ID(str(entity_id)), kind="entity", masked_name=names.entity(entity_id).masked_name)


@strawberry.type(description="One line of a grant's history.")
class GrantHistoryEntry:
    at: datetime
    action: str = strawberry.field(description="created, changed, cancelled, expired or ended.")
    actor_kind: str | None = strawberry.field(description="entity, person or system.")
    details: strawberry.scalars.JSON = strawberry.field(description="Old and new period or scope, the end reason.")


@strawberry.type(description="A grant (授权, §2.6.2): a person may act for an entity on service items in a period.")
class Grant:
    row: strawberry.Private[GrantRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="1: granted by the entity; 2 and 3: granted onward.")
    def level(self) -> int:
        return self.row.depth

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

    @strawberry.field(description="The service-item codes the grant covers.")
    def service_items(self) -> list[str]:
        return list(self.row.scope)

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.row.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.row.ends_at

    @strawberry.field
    def may_grant_onward(self) -> bool:
        return self.row.may_grant_onward

    @strawberry.field
    def may_manage_candidates(self) -> bool:
        return self.row.may_manage_candidates

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def ended_at(self) -> datetime | None:
        return self.row.ended_at

    @strawberry.field(description="Why it ended: cancelled, expired, parent_ended, no_longer_fits, ...")
    def end_reason(self) -> str | None:
        return self.row.end_reason

    @strawberry.field(description="The grants given onward directly below this one, oldest first.")
    async def sub_grants(self) -> list[Grant]:
        return [Grant(row=row) for row in await sub_grants_of(self.row.id)]

    @strawberry.field(description="What happened to this grant, oldest first.")
    async def history(self) -> list[GrantHistoryEntry]:
        return [
            GrantHistoryEntry(at=r.at, action=r.action, actor_kind=r.actor_kind, details=r.details)
            for r in await history_of(self.row.id)
        ]


@strawberry.type(description="A person's application to an entity for a grant (申请授权).")
class GrantApplication:
    row: strawberry.Private[ApplicationRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def status(self) -> ApplicationStatus:
        return DomainApplicationStatus(self.row.status)

    @strawberry.field
    async def entity(self, info: strawberry.Info) -> GrantParty:
        return await _entity(info, self.row.entity_id)

    @strawberry.field
    async def applicant(self, info: strawberry.Info) -> GrantParty:
        return await _person(info, self.row.applicant_id)

    @strawberry.field
    def service_items(self) -> list[str]:
        return list(self.row.scope)

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.row.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.row.ends_at

    @strawberry.field
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field
    def decision_reason(self) -> str | None:
        return self.row.decision_reason

    @strawberry.field
    def grant_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.row.grant_id)) if self.row.grant_id else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at
