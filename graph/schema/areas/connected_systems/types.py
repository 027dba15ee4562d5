"""Types of the connected-systems area: a system as staff see it (never its secret), its connection, results."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.schema.pagination import PageInfo
from uidp.domain.oidc import ClientProfile

ConnectedSystemProfile = strawberry.enum(
    ClientProfile,
    name="ConnectedSystemProfile",
    description="How a system authenticates: FAPI2 (private_key_jwt, PAR, DPoP) or BASIC (client_secret_basic).",
)


@strawberry.type(description="A connected system (an OpenID client of the platform's single sign-on).")
class ConnectedSystem:
    id: strawberry.ID
    client_id: str = strawberry.field(description="The OAuth `client_id` the system sends.")
    name: str = strawberry.field(description="Shown to persons on the consent page.")
    profile: ConnectedSystemProfile
    redirect_uris: list[str] = strawberry.field(description="Matched exactly.")
    post_logout_redirect_uris: list[str]
    jwks: JSON | None = strawberry.field(description="FAPI2: the system's public JWK Set, when given inline.")
    jwks_uri: str | None = strawberry.field(description="FAPI2: where the system publishes its JWK Set.")
    has_secret: bool = strawberry.field(description="BASIC: a secret is set (its value is never shown again).")
    scopes: list[str] = strawberry.field(description="The scopes the system may ask for.")
    claims: list[str] = strawberry.field(description="The claims it may receive (each under its scope).")
    min_level: int = strawberry.field(description="The lowest identity level it accepts: 1 初级, 2 中级, 3 高级.")
    backchannel_logout_uri: str | None
    event_uri: str | None = strawberry.field(description="Where its security event tokens are pushed.")
    event_types: list[str] = strawberry.field(description="The security events it subscribed to.")
    sector_id: str = strawberry.field(description="Pairwise subjects are the same for systems of one sector.")
    enabled: bool
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


@strawberry.type(description="One connected system in a page.")
class ConnectedSystemEdge:
    cursor: str
    node: ConnectedSystem


@strawberry.type(description="Connected systems, newest first.")
class ConnectedSystemConnection:
    edges: list[ConnectedSystemEdge]
    page_info: PageInfo


@strawberry.type(
    description="The registered system. A BASIC system's `clientSecret` is shown only here, once: hand it to the "
    "system's operators out of band; only its digest is kept."
)
class ConnectedSystemRegistered:
    system: ConnectedSystem
    client_secret: str | None


@strawberry.type(description="The system as changed.")
class ConnectedSystemUpdated:
    system: ConnectedSystem


@strawberry.type(description="The system is disabled: the provider no longer knows it, and its tokens stop working.")
class ConnectedSystemDisabled:
    system: ConnectedSystem


@strawberry.type(description="The system is enabled again.")
class ConnectedSystemEnabled:
    system: ConnectedSystem


@strawberry.type(description="A BASIC system's new secret, shown only here, once; the old one no longer works.")
class ConnectedSystemSecretRotated:
    system: ConnectedSystem
    client_secret: str
