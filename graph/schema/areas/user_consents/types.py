"""What the consents area answers: a consent given to a connected system, and a revocation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.pagination import PageInfo
from uidp.services.oidc.consents import ConsentView


@strawberry.type(description="C3: what a connected system may receive about me, as I agreed on its consent page.")
class ConnectedSystemConsent:
    id: strawberry.ID = strawberry.field(description="The consent's id: `consentId` of revokeConsent.")
    system_name: str = strawberry.field(description="The connected system's name, as its consent page showed it.")
    client_id: str = strawberry.field(description="The connected system's OpenID Connect client_id.")
    scopes: list[str] = strawberry.field(description="The OpenID Connect scopes agreed to.")
    claims: list[str] = strawberry.field(description="Claims asked for one by one (the claims parameter).")
    receives: list[str] = strawberry.field(description="What the system receives, in Chinese, one line each.")
    granted_at: datetime = strawberry.field(description="When I first agreed.")
    updated_at: datetime = strawberry.field(description="When I last agreed to more.")

    @classmethod
    def of(cls, view: ConsentView) -> ConnectedSystemConsent:
        return cls(
            id=strawberry.ID(str(view.id)),
            system_name=view.client_name,
            client_id=view.client_id,
            scopes=view.scopes,
            claims=view.claims,
            receives=view.labels,
            granted_at=view.granted_at,
            updated_at=view.updated_at,
        )


@strawberry.type(description="One consent and its cursor.")
class ConnectedSystemConsentEdge:
    cursor: str
    node: ConnectedSystemConsent


@strawberry.type(description="My consents to connected systems, newest first (Relay).")
class ConnectedSystemConsentConnection:
    edges: list[ConnectedSystemConsentEdge]
    page_info: PageInfo


@strawberry.type(description="The consent is revoked, and with it every token the system held for me.")
class ConsentRevoked:
    consent_id: strawberry.ID
    authorizations_revoked: int = strawberry.field(
        description="How many of the system's authorizations (token families) ended with it."
    )
