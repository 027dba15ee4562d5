"""Root fields of the connected-systems area (administrators; access rules: graph.permissions)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.connected_systems import resolvers as systems
from graph.schema.areas.connected_systems.types import ConnectedSystem, ConnectedSystemConnection


@strawberry.type
class ConnectedSystemsQuery:
    connected_systems: ConnectedSystemConnection = strawberry.field(
        resolver=systems.connected_systems,
        description="Administrators: connected systems newest first; `first` is capped at 100.",
    )
    connected_system: ConnectedSystem | None = strawberry.field(
        resolver=systems.connected_system, description="Administrators: one system by client id (null: none)."
    )


@strawberry.type
class ConnectedSystemsMutation:
    register_connected_system: systems.RegisterConnectedSystemResult = strawberry.field(
        resolver=systems.register_connected_system,
        description="Administrators: register a system; a BASIC one's secret is shown once.",
    )
    update_connected_system: systems.UpdateConnectedSystemResult = strawberry.field(
        resolver=systems.update_connected_system, description="Administrators: change a system's settings."
    )
    disable_connected_system: systems.DisableConnectedSystemResult = strawberry.field(
        resolver=systems.disable_connected_system,
        description="Administrators: disable a system; its tokens stop working at once.",
    )
    enable_connected_system: systems.EnableConnectedSystemResult = strawberry.field(
        resolver=systems.enable_connected_system, description="Administrators: enable a disabled system."
    )
    rotate_connected_system_secret: systems.RotateConnectedSystemSecretResult = strawberry.field(
        resolver=systems.rotate_connected_system_secret,
        description="Administrators: a BASIC system's new secret (shown once); the old one stops working.",
    )
