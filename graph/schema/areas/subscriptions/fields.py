"""Root subscription fields (graphql-transport-ws on /graphql; the session token goes in connection_init)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.subscriptions import resolvers as session_events


@strawberry.type
class SessionSubscription:
    session_ended: session_events.SessionEndedResult = strawberry.subscription(
        resolver=session_events.session_ended,
        description="X5: one event when this connection's session ends (then complete); NotAuthenticated without one.",
    )
