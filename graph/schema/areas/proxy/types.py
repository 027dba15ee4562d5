"""What the authorisation check answers: the verdict, its reason and the chain of grants behind it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from uidp.models.grant import Grant
from uidp.services.delegation.authorisation import AuthorisationAnswer
from uidp.services.delegation.authorisation import AuthorisationReason as DomainAuthorisationReason

AuthorisationReason = strawberry.enum(
    DomainAuthorisationReason,
    name="AuthorisationReason",
    description="Why checkAuthorisation answers as it does: ENTITY_ITSELF and GRANTED allow, the others refuse.",
)


@strawberry.type(description="One grant of the chain behind an answer, level 1 (granted by the entity) first.")
class GrantLink:
    grant: strawberry.Private[Grant]

    @strawberry.field
    def grant_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.grant.id))

    @strawberry.field(description="1: granted by the entity; 2 and 3: granted onward.")
    def level(self) -> int:
        return self.grant.depth

    @strawberry.field(description="The grantor's masked name: the entity's at level 1, else a person's.")
    async def masked_grantor_name(self, info: strawberry.Info) -> str:
        loaders = info.context.loaders
        if self.grant.parent_id is None:
            entity = await loaders.entities.load(self.grant.grantor_id)
            return entity.masked_name if entity else ""
        grantor = await loaders.persons.load(self.grant.grantor_id)
        return grantor.masked_name if grantor else ""

    @strawberry.field(description="The grantee's masked name (陈*).")
    async def masked_grantee_name(self, info: strawberry.Info) -> str:
        grantee = await info.context.loaders.persons.load(self.grant.grantee_id)
        return grantee.masked_name if grantee else ""

    @strawberry.field(description="The service-item codes this grant covers.")
    def service_items(self) -> list[str]:
        return list(self.grant.scope)

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.grant.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.grant.ends_at


@strawberry.type(description="May the caller (or the named person) act for the entity on the service item now?")
class Authorisation:
    answer: strawberry.Private[AuthorisationAnswer]

    @strawberry.field
    def allowed(self) -> bool:
        return self.answer.allowed

    @strawberry.field
    def reason(self) -> AuthorisationReason:
        return self.answer.reason

    @strawberry.field(description="When the answer was true; ask again for a later moment.")
    def checked_at(self) -> datetime:
        return self.answer.checked_at

    @strawberry.field
    def service_item(self) -> str:
        return self.answer.service_item

    @strawberry.field(description="91************011W")
    def masked_credit_code(self) -> str:
        return self.answer.masked_credit_code

    @strawberry.field(description="The grants behind a GRANTED answer, level 1 first; empty otherwise.")
    def chain(self) -> list[GrantLink]:
        return [GrantLink(grant=grant) for grant in self.answer.chain]
