"""Root fields of the login pipeline: startLogin, completeLogin, completeBinding."""

from __future__ import annotations

import strawberry

from graph.schema.areas.login import resolvers as login


@strawberry.type
class LoginMutation:
    start_login: login.StartLoginResult = strawberry.mutation(
        resolver=login.start_login,
        description="The first step of a login method that has one: a redirect to the partner, or a QR code.",
    )
    complete_login: login.CompleteLoginResult = strawberry.mutation(
        resolver=login.complete_login,
        description="Finish a login with any method: a session, or BindingRequired for a partner account bound "
        "to no account yet.",
    )
    complete_binding: login.CompleteBindingResult = strawberry.mutation(
        resolver=login.complete_binding,
        description="Bind the partner account of a BindingRequired ticket to the account its password proves, and "
        "log in; later logins with that partner account go straight in.",
    )
