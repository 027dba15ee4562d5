"""Resolvers of the sessions area: me, loginWithPassword, loginStaff, logout."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import auth_error, ctx, guarded, require_principal
from graph.resolvers.sessions import _success, viewer_of
from graph.schema.areas.sessions.inputs import LoginStaffInput, LoginWithPasswordInput
from graph.schema.areas.sessions.types import LoggedOut
from graph.schema.errors import FieldError, Forbidden, LoginFailed, NotAuthenticated, result_union
from graph.schema.types import LoginSuccess, Viewer
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.http.auth import clear_session_cookie
from uidp.services.auth.login import LoginService

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
    await LoginService(c.rt).logout(principal.session_id, (principal.kind, principal.id), c.client, actor=principal)
    clear_session_cookie(c.response, c.rt.settings)
    return LoggedOut()


async def me(info: Info) -> Viewer | None:
    principal = await ctx(info).principal()
    if principal is None:
        return None
    return await viewer_of(info, principal)
