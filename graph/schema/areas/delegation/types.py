"""What the delegation area answers: candidates, grants with their status and history, applications."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.pagination import PageInfo
from uidp.domain.delegation import ApplicationStatus as DomainApplicationStatus
from uidp.domain.delegation import GrantStatus as DomainGrantStatus
from uidp.models.grant import GrantRecord
from uidp.services.delegation.candidates import CandidateView
from uidp.services.delegation.views import ApplicationView, GrantView, Party

GrantStatus = strawberry.enum(
    DomainGrantStatus,
    description="A grant now: PENDING (待生效, before its start), ACTIVE, EXPIRED (its end passed), CANCELLED "
    "(by a grantor, or because a grant above it or its holder ended).",
)
GrantApplicationStatus = strawberry.enum(DomainApplicationStatus, description="PENDING until decided once.")


@strawberry.type(description="A person or an entity named by a grant; the name is masked (X4).")
class GrantParty:
    kind: str = strawberry.field(description="`entity` or `person`.")
    id: strawberry.ID
    masked_name: str = strawberry.field(description="Masked name; empty when the account no longer exists.")

    @classmethod
    def of(cls, party: Party) -> GrantParty:
        return cls(kind=str(party.kind), id=strawberry.ID(str(party.id)), masked_name=party.masked_name)


@strawberry.type(description="A person on the entity's candidate list (可授权人), masked.")
class GrantCandidate:
    id: strawberry.ID = strawberry.field(description="The candidate's id: `grantee` of createGrant.")
    masked_name: str
    masked_certificate_number: str
    level: int = strawberry.field(description="The person's assurance level (2 中级 or 3 高级).")
    added_at: datetime

    @classmethod
    def of(cls, view: CandidateView) -> GrantCandidate:
        return cls(
            id=strawberry.ID(str(view.id)),
            masked_name=view.masked_name,
            masked_certificate_number=view.masked_certificate_number,
            level=view.level,
            added_at=view.added_at,
        )


@strawberry.type(description="One candidate and its cursor.")
class GrantCandidateEdge:
    cursor: str
    node: GrantCandidate


@strawberry.type(description="The entity's candidates, oldest first.")
class GrantCandidateConnection:
    edges: list[GrantCandidateEdge]
    page_info: PageInfo


@strawberry.type(description="One line of a grant's history (授权记录).")
class GrantHistoryEntry:
    at: datetime
    action: str = strawberry.field(description="`created`, `changed`, `cancelled`, `expired` or `ended`.")
    actor_kind: str | None = strawberry.field(description="`entity`, `person`, `system` (the sweeper).")
    reason: str | None = strawberry.field(description="Why it ended (`parent_ended`, `no_longer_fits`, ...).")
    scope: list[str] | None = strawberry.field(description="The scope after this change (created, changed).")
    starts_at: datetime | None
    ends_at: datetime | None

    @classmethod
    def of(cls, row: GrantRecord) -> GrantHistoryEntry:
        details = row.details or {}
        shown = details.get("after", details)
        return cls(
            at=row.at,
            action=row.action,
            actor_kind=row.actor_kind,
            reason=details.get("reason"),
            scope=shown.get("scope"),
            starts_at=datetime.fromisoformat(shown["startsAt"]) if "startsAt" in shown else None,
            ends_at=datetime.fromisoformat(shown["endsAt"]) if "endsAt" in shown else None,
        )


@strawberry.type(description="A grant (授权): who may act for which entity, on which service items, when.")
class Grant:
    id: strawberry.ID
    depth: int = strawberry.field(description="1: granted by the entity; 2 and 3: granted onward.")
    parent_id: strawberry.ID | None = strawberry.field(description="The grant its grantor holds (none at depth 1).")
    status: GrantStatus
    entity: GrantParty
    grantor: GrantParty = strawberry.field(description="The entity (depth 1) or the person who granted onward.")
    grantee: GrantParty
    scope: list[str] = strawberry.field(description="Service-item codes of the catalogue (serviceItems).")
    starts_at: datetime
    ends_at: datetime = strawberry.field(description="Exclusive: the grant ends at this instant.")
    may_grant_onward: bool
    may_manage_candidates: bool
    ended_at: datetime | None
    end_reason: str | None
    created_at: datetime
    history_rows: strawberry.Private[list[GrantRecord] | None] = None

    @strawberry.field(description="What happened to this grant, oldest first (given with a single grant only).")
    def history(self) -> list[GrantHistoryEntry] | None:
        return [GrantHistoryEntry.of(row) for row in self.history_rows] if self.history_rows is not None else None

    @classmethod
    def of(cls, view: GrantView, history: list[GrantRecord] | None = None) -> Grant:
        g = view.grant
        return cls(
            id=strawberry.ID(str(g.id)),
            depth=g.depth,
            parent_id=strawberry.ID(str(g.parent_id)) if g.parent_id else None,
            status=view.status,
            entity=GrantParty.of(view.entity),
            grantor=GrantParty.of(view.grantor),
            grantee=GrantParty.of(view.grantee),
            scope=list(g.scope),
            starts_at=g.starts_at,
            ends_at=g.ends_at,
            may_grant_onward=g.may_grant_onward,
            may_manage_candidates=g.may_manage_candidates,
            ended_at=g.ended_at,
            end_reason=g.end_reason,
            created_at=g.created_at,
            history_rows=history,
        )


@strawberry.type(description="A person's application for a grant (申请授权).")
class GrantApplication:
    id: strawberry.ID
    status: GrantApplicationStatus
    entity: GrantParty
    applicant: GrantParty
    scope: list[str]
    starts_at: datetime
    ends_at: datetime
    reason: str
    decided_at: datetime | None
    decision_reason: str | None = strawberry.field(description="The reason given with a rejection.")
    grant_id: strawberry.ID | None = strawberry.field(description="The grant an approval made.")
    created_at: datetime

    @classmethod
    def of(cls, view: ApplicationView) -> GrantApplication:
        a = view.application
        return cls(
            id=strawberry.ID(str(a.id)),
            status=view.status,
            entity=GrantParty.of(view.entity),
            applicant=GrantParty.of(view.applicant),
            scope=list(a.scope),
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            reason=a.reason,
            decided_at=a.decided_at,
            decision_reason=a.decision_reason,
            grant_id=strawberry.ID(str(a.grant_id)) if a.grant_id else None,
            created_at=a.created_at,
        )


@strawberry.type(description="The person a certificate number names (masked), for the confirmation step.")
class GrantCandidateFound:
    masked_name: str
    masked_certificate_number: str
    level: int


@strawberry.type(description="The person is on the candidate list.")
class GrantCandidateAdded:
    candidate: GrantCandidate


@strawberry.type(description="The person is off the candidate list (their grants stay until cancelled).")
class GrantCandidateRemoved:
    candidate_id: strawberry.ID


@strawberry.type(description="The grant exists.")
class GrantCreated:
    grant: Grant


@strawberry.type(description="The grant is changed; `endedBelow` grants under it no longer fitted and ended.")
class GrantChanged:
    grant: Grant
    ended_below: int


@strawberry.type(
    description="The grant is cancelled with every grant below it (`endedBelow`) and their proxy sessions."
)
class GrantRevoked:
    grant: Grant
    ended_below: int


@strawberry.type(description="The application is waiting for the entity's decision.")
class GrantApplicationSubmitted:
    application: GrantApplication


@strawberry.type(description="The application is decided; an approval made `grant`. The applicant got an SMS.")
class GrantApplicationDecided:
    application: GrantApplication
    grant: Grant | None
