"""User space (P11): changePassword, sendMyPhoneCode, changePhone, endSession, unbindLogin, acknowledgeNotice."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx
from graph.schema.areas.user_space.inputs import (
    AcknowledgeNoticeInput,
    ChangePasswordInput,
    ChangePhoneInput,
    EndSessionInput,
    SendMyPhoneCodeInput,
    UnbindLoginInput,
)
from graph.schema.areas.user_space.types import (
    LoginUnbound,
    NoticeAcknowledged,
    PasswordChanged,
    PhoneChanged,
    SessionEnded,
)
from graph.schema.errors import AccountConflict, FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from graph.schema.types import PersonAccount, SmsCodeSent
from uidp.domain.accounts import SubjectKind
from uidp.http.auth import clear_session_cookie
from uidp.services.persons.persons import PersonViews
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.notices import Notices
from uidp.services.shared.principal import Principal

ChangePasswordResult = Annotated[
    PasswordChanged | NotAuthenticated | Forbidden | FieldError,
    result_union("ChangePasswordResult"),
]
SendMyPhoneCodeResult = Annotated[
    SmsCodeSent | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("SendMyPhoneCodeResult"),
]
ChangePhoneResult = Annotated[
    PhoneChanged | NotAuthenticated | Forbidden | AccountConflict | FieldError,
    result_union("ChangePhoneResult"),
]
EndSessionResult = Annotated[
    SessionEnded | NotAuthenticated | Forbidden | FieldError,
    result_union("EndSessionResult"),
]
AcknowledgeNoticeResult = Annotated[
    NoticeAcknowledged | NotAuthenticated | Forbidden | FieldError,
    result_union("AcknowledgeNoticeResult"),
]
UnbindLoginResult = Annotated[
    LoginUnbound | NotAuthenticated | Forbidden | FieldError,
    result_union("UnbindLoginResult"),
]


async def change_password(info: Info, input: ChangePasswordInput) -> ChangePasswordResult:
    c = ctx(info)

    async def call(principal: Principal) -> PasswordChanged:
        ended = await UserSpace(c.rt).change_password(
            principal, input.current_password, input.new_password, input.new_password_confirmation, c.client
        )
        return PasswordChanged(sessions_ended=ended)

    return await as_caller(info, call, kind=SubjectKind.PERSON)


async def send_my_phone_code(info: Info, input: SendMyPhoneCodeInput) -> SendMyPhoneCodeResult:
    c = ctx(info)

    async def call(principal: Principal) -> SmsCodeSent:
        masked, sent = await UserSpace(c.rt).send_own_phone_code(principal, input.purpose, c.client)
        return SmsCodeSent(masked_phone=masked, expires_at=sent.expires_at, resend_after=sent.resend_after)

    return await as_caller(info, call, kind=SubjectKind.PERSON)


async def change_phone(info: Info, input: ChangePhoneInput) -> ChangePhoneResult:
    c = ctx(info)

    async def call(principal: Principal) -> PhoneChanged:
        person = await UserSpace(c.rt).change_phone(
            principal,
            input.old_phone_code,
            input.new_phone,
            input.new_phone_code,
            c.client,
            current_password=input.current_password,
        )
        return PhoneChanged(account=PersonAccount.of(PersonViews(c.rt).view(person)))

    return await as_caller(info, call, kind=SubjectKind.PERSON)


async def end_session(info: Info, input: EndSessionInput) -> EndSessionResult:
    c = ctx(info)

    async def call(principal: Principal) -> SessionEnded:
        was_current = await UserSpace(c.rt).end_session(principal, str(input.session_id), c.client)
        if was_current:
            clear_session_cookie(c.response, c.rt.settings)
        return SessionEnded(session_id=input.session_id, was_current=was_current)

    return await as_caller(info, call, kind=SubjectKind.PERSON)


async def unbind_login(info: Info, input: UnbindLoginInput) -> UnbindLoginResult:
    c = ctx(info)

    async def call(principal: Principal) -> LoginUnbound:
        await UserSpace(c.rt).unbind(principal, input.provider, c.client)
        return LoginUnbound(provider=input.provider)

    return await as_caller(info, call, kind=SubjectKind.PERSON)


async def acknowledge_notice(info: Info, input: AcknowledgeNoticeInput) -> AcknowledgeNoticeResult:
    c = ctx(info)

    async def call(principal: Principal) -> NoticeAcknowledged:
        await Notices(c.rt).acknowledge(principal, str(input.notice_id), c.client)
        return NoticeAcknowledged(notice_id=input.notice_id)

    return await as_caller(info, call, kind=SubjectKind.PERSON)
