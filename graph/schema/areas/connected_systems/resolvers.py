"""Connected systems: thin adapters over uidp.services.oidc.clients."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph.permissions import require_staff
from graph.resolvers.common import as_caller, ctx
from graph.schema.areas.connected_systems.inputs import (
    ConnectedSystemInput,
    RegisterConnectedSystemInput,
    UpdateConnectedSystemInput,
)
from graph.schema.areas.connected_systems.types import (
    ConnectedSystem,
    ConnectedSystemConnection,
    ConnectedSystemDisabled,
    ConnectedSystemEdge,
    ConnectedSystemEnabled,
    ConnectedSystemRegistered,
    ConnectedSystemSecretRotated,
    ConnectedSystemUpdated,
)
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, result_union
from graph.schema.pagination import After, Before, First, Last, connection
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.oidc import ClientProfile
from uidp.models.oidc import OidcClient
from uidp.services.oidc.clients import SETTINGS, OidcClients
from uidp.services.shared.pagination import Window, encode_cursor
from uidp.services.shared.principal import Principal


def _union(name: str, success: Any) -> Any:
    return Annotated[success | NotAuthenticated | Forbidden | FieldError, result_union(name)]


RegisterConnectedSystemResult = _union("RegisterConnectedSystemResult", ConnectedSystemRegistered)
UpdateConnectedSystemResult = _union("UpdateConnectedSystemResult", ConnectedSystemUpdated)
DisableConnectedSystemResult = _union("DisableConnectedSystemResult", ConnectedSystemDisabled)
EnableConnectedSystemResult = _union("EnableConnectedSystemResult", ConnectedSystemEnabled)
RotateConnectedSystemSecretResult = _union("RotateConnectedSystemSecretResult", ConnectedSystemSecretRotated)


def system(row: OidcClient) -> ConnectedSystem:
    return ConnectedSystem(
        id=strawberry.ID(str(row.id)),
        client_id=row.client_id,
        name=row.name,
        profile=ClientProfile(row.profile),
        redirect_uris=list(row.redirect_uris),
        post_logout_redirect_uris=list(row.post_logout_redirect_uris),
        jwks=row.jwks,
        jwks_uri=row.jwks_uri,
        has_secret=row.secret_digest is not None,
        scopes=list(row.scopes),
        claims=list(row.claims),
        min_level=row.min_level,
        backchannel_logout_uri=row.backchannel_logout_uri,
        event_uri=row.event_uri,
        event_types=list(row.event_types),
        sector_id=row.sector_id,
        enabled=row.disabled_at is None,
        disabled_at=row.disabled_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def connected_systems(
    info: Info,
    include_disabled: bool = True,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> ConnectedSystemConnection:
    await require_staff(info)
    page = await OidcClients(ctx(info).rt).page(Window(first, after, last, before), include_disabled=include_disabled)
    return connection(
        ConnectedSystemConnection, ConnectedSystemEdge, page, system, lambda row: encode_cursor(row.created_at, row.id)
    )


async def connected_system(info: Info, client_id: str) -> ConnectedSystem | None:
    await require_staff(info)
    try:
        return system(await OidcClients(ctx(info).rt).get(client_id))
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            return None
        raise


async def register_connected_system(info: Info, input: RegisterConnectedSystemInput) -> RegisterConnectedSystemResult:
    c = ctx(info)

    async def work(actor: Principal) -> ConnectedSystemRegistered:
        registered = await OidcClients(c.rt).register(
            actor,
            c.client,
            profile=ClientProfile(input.profile).value,
            client_id=input.client_id,
            sector_id=input.sector_id,
            settings={name: getattr(input, name) for name in SETTINGS},
        )
        return ConnectedSystemRegistered(system=system(registered.client), client_secret=registered.secret)

    return await as_caller(info, work, require_staff)


async def update_connected_system(info: Info, input: UpdateConnectedSystemInput) -> UpdateConnectedSystemResult:
    c = ctx(info)
    changes = {name: getattr(input, name) for name in SETTINGS if getattr(input, name) is not strawberry.UNSET}

    async def work(actor: Principal) -> ConnectedSystemUpdated:
        row = await OidcClients(c.rt).update(actor, c.client, input.client_id, changes)
        return ConnectedSystemUpdated(system=system(row))

    return await as_caller(info, work, require_staff)


async def _switch(info: Info, client_id: str, *, disabled: bool) -> Any:
    c = ctx(info)
    result = ConnectedSystemDisabled if disabled else ConnectedSystemEnabled

    async def work(actor: Principal) -> Any:
        return result(system=system(await OidcClients(c.rt).set_disabled(actor, c.client, client_id, disabled)))

    return await as_caller(info, work, require_staff)


async def disable_connected_system(info: Info, input: ConnectedSystemInput) -> DisableConnectedSystemResult:
    return await _switch(info, input.client_id, disabled=True)


async def enable_connected_system(info: Info, input: ConnectedSystemInput) -> EnableConnectedSystemResult:
    return await _switch(info, input.client_id, disabled=False)


async def rotate_connected_system_secret(info: Info, input: ConnectedSystemInput) -> RotateConnectedSystemSecretResult:
    c = ctx(info)

    async def work(actor: Principal) -> ConnectedSystemSecretRotated:
        rotated = await OidcClients(c.rt).rotate_secret(actor, c.client, input.client_id)
        assert rotated.secret is not None
        return ConnectedSystemSecretRotated(system=system(rotated.client), client_secret=rotated.secret)

    return await as_caller(info, work, require_staff)
