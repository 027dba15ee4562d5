"""loginWithPassword (P3), loginStaff, logout and me (X5)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.context import SESSION_COOKIE
from graph.resolvers.common import auth_error, ctx, guarded, require_principal
from graph.schema.errors import FieldError, LoginFailed, NotAuthenticated
from graph.schema.inputs import LoginStaffInput, LoginWithPasswordInput
from graph.schema.types import EntityAccount, LoggedOut, LoginSuccess, PersonAccount, StaffMember, Viewer
from uidp.domain.errors import DomainError
from uidp.services.entities import EntityViews
from uidp.services.login import LoginOutcome, LoginService
from uidp.services.persons import PersonViews
from uidp.services.principal import Principal
from uidp.services.staff import StaffService

LoginResult = Annotated[LoginSuccess | LoginFailed | FieldError, strawberry.union("LoginResult")]
LogoutResult = Annotated[LoggedOut | NotAuthenticated, strawberry.union("LogoutResult")]


async def viewer_of(info: Info, principal: Principal) -> PersonAccount | StaffMember | EntityAccount | None:
    if principal.kind == "entity":
        entity = await EntityViews(ctx(info).rt).get(principal.id)
        return EntityAccount.of(entity) if entity else None
    if principal.kind == "staff":
        staff = await StaffService(ctx(info).rt).get(principal.id)
        if staff is None:
            return None
        return StaffMember(
            id=strawberry.ID(str(staff.id)),
            username=staff.username,
            display_name=staff.display_name,
            roles=list(staff.roles),
        )
    view = await PersonViews(ctx(info).rt).get(principal.id)
    return PersonAccount.of(view) if view else None


async def _success(info: Info, outcome: LoginOutcome) -> LoginSuccess:
    c = ctx(info)
    session = outcome.issued.session
    c.response.set_cookie(
        SESSION_COOKIE,
        outcome.issued.token,
        max_age=c.rt.settings.session_absolute_hours * 3600,
        httponly=True,
        secure=c.rt.settings.secure_cookie,
        samesite="strict",
        path="/",
    )
    if outcome.person is not None:
        viewer: PersonAccount | StaffMember | EntityAccount | None = PersonAccount.of(
            PersonViews(c.rt).view(outcome.person)
        )
    else:
        viewer = await viewer_of(info, Principal(outcome.subject_kind, outcome.subject_id, session.id))
    return LoginSuccess(token=outcome.issued.token, expires_at=session.expires_at, viewer=viewer)


async def login_with_password(info: Info, input: LoginWithPasswordInput) -> LoginResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        outcome = await LoginService(c.rt).login_with_password(
            input.identifier,
            input.password,
            c.client,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
        )
        return await _success(info, outcome)

    return await guarded(call, LoginFailed, FieldError)


async def login_staff(info: Info, input: LoginStaffInput) -> LoginResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        outcome = await LoginService(c.rt).login_with_password(
            input.username,
            input.password,
            c.client,
            realm="staff",
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
            totp_code=input.totp_code,
        )
        return await _success(info, outcome)

    return await guarded(call, LoginFailed, FieldError)


async def logout(info: Info) -> LogoutResult:
    c = ctx(info)
    try:
        principal = await require_principal(info)
    except DomainError as error:
        return auth_error(error)
    await LoginService(c.rt).logout(principal.session_id, (principal.kind, principal.id), c.client)
    c.response.delete_cookie(SESSION_COOKIE, path="/")
    return LoggedOut()


async def me(info: Info) -> Viewer | None:
    principal = await ctx(info).principal()
    if principal is None:
        return None
    return await viewer_of(info, principal)
