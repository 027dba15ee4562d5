"""Inputs of the connected-systems area. In the update input an omitted field stays as it is; null clears it."""

from __future__ import annotations

import strawberry

from graph.schema.areas.connected_systems.types import ConnectedSystemProfile


@strawberry.input(description="Register a connected system (an OpenID client).")
class RegisterConnectedSystemInput:
    name: str = strawberry.field(description="The system's name (1-100 characters), shown on the consent page.")
    profile: ConnectedSystemProfile = strawberry.field(description="FAPI2 or BASIC; it never changes later.")
    redirect_uris: list[str] = strawberry.field(
        description="1-10 exact https redirect URIs without fragment (dev also http://localhost, http://127.0.0.1)."
    )
    scopes: list[str] = strawberry.field(description="The scopes it may ask for; `openid` among them.")
    claims: list[str] | None = strawberry.field(
        default=None, description="The claims it may receive; default every claim of its scopes."
    )
    min_level: int = strawberry.field(default=1, description="The lowest identity level it accepts (1-3).")
    client_id: str | None = strawberry.field(
        default=None, description="Its client id (3-64 letters, digits, '.', '-', '_'); default a random one."
    )
    sector_id: str | None = strawberry.field(
        default=None, description="Systems of one sector share pairwise subjects; default its client id."
    )
    post_logout_redirect_uris: list[str] = strawberry.field(
        default_factory=list, description="Where RP-initiated logout may return (exact, as redirect URIs)."
    )
    jwks: str | None = strawberry.field(
        default=None, description="FAPI2: its public JWK Set as JSON text (ES256 P-256 or PS256 RSA keys)."
    )
    jwks_uri: str | None = strawberry.field(default=None, description="FAPI2: the https URI of its JWK Set.")
    backchannel_logout_uri: str | None = strawberry.field(default=None, description="Back-channel logout URI.")
    event_uri: str | None = strawberry.field(default=None, description="Where security event tokens are pushed.")
    event_types: list[str] = strawberry.field(default_factory=list, description="Security event types it wants.")


@strawberry.input(description="Change a connected system: omitted fields stay, null clears an optional one.")
class UpdateConnectedSystemInput:
    client_id: str = strawberry.field(description="The system to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="The system's new name.")
    redirect_uris: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The new list of exact redirect URIs (1-10)."
    )
    post_logout_redirect_uris: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The new list of post-logout redirect URIs."
    )
    jwks: str | None = strawberry.field(default=strawberry.UNSET, description="FAPI2: a new public JWK Set.")
    jwks_uri: str | None = strawberry.field(default=strawberry.UNSET, description="FAPI2: a new JWK Set URI.")
    scopes: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New scopes; without `claims`, every claim of them."
    )
    claims: list[str] | None = strawberry.field(default=strawberry.UNSET, description="New claims.")
    min_level: int | None = strawberry.field(default=strawberry.UNSET, description="New lowest level (1-3).")
    backchannel_logout_uri: str | None = strawberry.field(
        default=strawberry.UNSET, description="New back-channel logout URI (null: none)."
    )
    event_uri: str | None = strawberry.field(
        default=strawberry.UNSET, description="New security event URI (null: none)."
    )
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New security event subscriptions."
    )


@strawberry.input(description="A connected system by its client id.")
class ConnectedSystemInput:
    client_id: str = strawberry.field(description="The system's client id.")
