"""Root fields of sessions: me, password login (P3, staff), logout (X5)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.sessions import resolvers as sessions
from graph.schema.types import Viewer


@strawberry.type
class SessionsQuery:
    me: Viewer | None = strawberry.field(resolver=sessions.me, description="The logged-in account, or null.")


@strawberry.type
class SessionsMutation:
    login_with_password: sessions.LoginWithPasswordResult = strawberry.field(
        resolver=sessions.login_with_password,
        description="Log in with a phone or certificate number and a password (P3, X7).",
    )
    login_staff: sessions.LoginStaffResult = strawberry.field(resolver=sessions.login_staff, description="Staff login.")
    logout: sessions.LogoutResult = strawberry.field(resolver=sessions.logout, description="End this session (X5).")
