"""Root fields of delegation (E9, manual §2.6): the entity's side, the grantee's side, applications."""

from __future__ import annotations

import strawberry

from graph.schema.areas.delegation import resolvers as delegation
from graph.schema.grant_types import Grant


@strawberry.type
class DelegationQuery:
    delegation_candidates: delegation.DelegationCandidatesResult = strawberry.field(
        resolver=delegation.delegation_candidates,
        description="E9 §2.6.1.2: the entity's candidates (可授权人), or those of one exact name; for the entity "
        "and grantees allowed to manage candidates.",
    )
    grant: Grant | None = strawberry.field(
        resolver=delegation.grant,
        description="E9: one grant with its history, for its entity and the holders of the grants in its chain.",
    )


@strawberry.type
class DelegationMutation:
    find_grant_candidate: delegation.FindGrantCandidateResult = strawberry.field(
        resolver=delegation.find_grant_candidate,
        description="E9 §2.6.1.1 step 1: a certificate number -> the person's masked name, to confirm.",
    )
    add_grant_candidate: delegation.AddGrantCandidateResult = strawberry.field(
        resolver=delegation.add_grant_candidate,
        description="E9 §2.6.1.1: add a real-name person (level 2 or above) to the candidate list.",
    )
    remove_grant_candidate: delegation.RemoveGrantCandidateResult = strawberry.field(
        resolver=delegation.remove_grant_candidate, description="E9 §2.6.1.3: remove a candidate."
    )
    create_grant: delegation.CreateGrantResult = strawberry.field(
        resolver=delegation.create_grant,
        description="E9 §2.6.2: grant a candidate a scope for a period, as the entity or onward under a grant.",
    )
    change_grant: delegation.ChangeGrantResult = strawberry.field(
        resolver=delegation.change_grant,
        description="E9: change a grant's scope or period; grants below that no longer fit end.",
    )
    revoke_grant: delegation.RevokeGrantResult = strawberry.field(
        resolver=delegation.revoke_grant,
        description="E9: cancel a grant, every grant below it and every proxy session resting on them.",
    )
    apply_for_grant: delegation.ApplyForGrantResult = strawberry.field(
        resolver=delegation.apply_for_grant,
        description="E9 申请授权, person session: ask an entity for a grant.",
    )
    approve_grant_application: delegation.ApproveGrantApplicationResult = strawberry.field(
        resolver=delegation.approve_grant_application,
        description="E9: approve an application (the grant is made); the applicant gets an SMS.",
    )
    reject_grant_application: delegation.RejectGrantApplicationResult = strawberry.field(
        resolver=delegation.reject_grant_application,
        description="E9: reject an application with a reason; the applicant gets an SMS.",
    )
