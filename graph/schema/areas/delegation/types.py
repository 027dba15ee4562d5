"""What the delegation area answers: candidates, and the grants and applications its mutations made or changed
(the Grant and GrantApplication types are graph.schema.grant_types', shared with the user-space views)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.grant_types import Grant, GrantApplication
from graph.schema.pagination import PageInfo
from uidp.services.delegation.candidates import CandidateView


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
