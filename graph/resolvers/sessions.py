"""loginWithPassword (P3), loginStaff, logout and me (X5)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import auth_error, ctx, guarded, require_principal
from graph.schema.errors import FieldError, Forbidden, LoginFailed, NotAuthenticated, result_union
from graph.schema.inputs import LoginStaffInput, LoginWithPasswordInput
from graph.schema.notice_types import AccountNotice
from graph.schema.types import EntityAccount, LoggedOut, LoginSuccess, PersonAccount, StaffMember, Viewer
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.http.auth import clear_session_cookie, set_session_cookie
from uidp.services.auth.login import LoginOutcome, LoginService
from uidp.services.auth.sessions import session_limits
from uidp.services.entities.entities import EntityViews
from uidp.services.persons.persons import PersonViews
from uidp.services.shared.notices import Notices
from uidp.services.shared.principal import Principal
from uidp.services.staff.staff import StaffService

LoginWithPasswordResult = Annotated[
    LoginSuccess | LoginFailed | FieldError,
    result_union("LoginWithPasswordResult"),
]
LoginStaffResult = Annotated[
    LoginSuccess | LoginFailed | FieldError,
    result_union("LoginStaffResult"),
]
LogoutResult = Annotated[
    LoggedOut | NotAuthenticated | Forbidden,
    result_union("LogoutResult"),
]


async def viewer_of(info: Info, principal: Principal) -> PersonAccount | StaffMember | EntityAccount | None:
    if principal.kind == SubjectKind.ENTITY:
        entity = await EntityViews(ctx(info).rt).get(principal.id)
        return EntityAccount.of(entity) if entity else None
    if principal.kind == SubjectKind.STAFF:
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
    _, lifetime = session_limits(c.rt.settings, outcome.subject_kind)
    set_session_cookie(c.response, c.rt.settings, outcome.issued.token, int(lifetime.total_seconds()))
    if outcome.person is not None:
        viewer: PersonAccount | StaffMember | EntityAccount | None = PersonAccount.of(
            PersonViews(c.rt).view(outcome.person)
        )
    else:
        viewer = await viewer_of(info, Principal(outcome.subject_kind, outcome.subject_id, session.id))
    pending = await Notices(c.rt).pending(outcome.subject_kind, outcome.subject_id)
    return LoginSuccess(
        token=outcome.issued.token,
        expires_at=session.expires_at,
        viewer=viewer,
        notices=[AccountNotice.of(notice) for notice in pending],
    )


async def login_with_password(info: Info, input: LoginWithPasswordInput) -> LoginWithPasswordResult:
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

    return await guarded(info, call)


async def login_staff(info: Info, input: LoginStaffInput) -> LoginStaffResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        if not (input.username or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入用户名", "username")
        outcome = await LoginService(c.rt).login_with_password(
            input.username,
            input.password,
            c.client,
            realm=SubjectKind.STAFF,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
            totp_code=input.totp_code,
        )
        return await _success(info, outcome)

    return await guarded(info, call)


async def logout(info: Info) -> LogoutResult:
    c = ctx(info)
    try:
        principal = await require_principal(info)
    except DomainError as error:
        return auth_error(error)
    if principal.via_token:
        # an API token is no session: "logging out" would end nothing and leave the token alive
        return Forbidden(
            code=ErrorCode.API_TOKEN_NOT_A_SESSION,
            message="API 令牌不能退出登录，请用 revokeApiToken 撤销令牌",
            field=None,
        )
    await LoginService(c.rt).logout(principal.session_id, (principal.kind, principal.id), c.client)
    clear_session_cookie(c.response, c.rt.settings)
    return LoggedOut()


async def me(info: Info) -> Viewer | None:
    principal = await ctx(info).principal()
    if principal is None:
        return None
    return await viewer_of(info, principal)
