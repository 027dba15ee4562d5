"""The user space (P11, 用户空间): change password and phone, own sessions, third-party bindings.

Every method takes the acting person's Principal; nothing here reaches another person's data, and asking
for another person's session or binding answers exactly like a missing one (NOT_FOUND).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_name, mask_phone
from uidp.domain.password_policy import check_password
from uidp.models.binding import ExternalBinding
from uidp.models.ca_binding import CertificateBinding
from uidp.models.person import Person
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.login_window import PERSON_WINDOW_METHOD, window_ends_at
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.persons.registration import POLICY
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.sms import SentCode, SmsCodes, SmsPurpose

MAX_SESSIONS_LISTED = 50
OWN_PHONE_PURPOSES = (SmsPurpose.CHANGE_PHONE_OLD, SmsPurpose.CANCEL_ACCOUNT)
BINDING_DISPLAY_COLUMN = "binding.display"
WRONG_PASSWORD_MESSAGE = "当前密码错误"


@dataclass(frozen=True)
class SessionInfo:
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    login_method: str
    masked_client_address: str
    user_agent: str
    current: bool


@dataclass(frozen=True)
class BindingInfo:
    provider: str
    created_at: datetime
    masked_display: str


def not_found(field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "记录不存在", field)


class UserSpace:
    """What a logged-in person does to their own account."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)
        self.codes = SmsCodes(rt)
        self.sessions = Sessions(rt)

    async def person(self, principal: Principal) -> Person:
        """The acting person's row (staff: FORBIDDEN; a vanished person: NOT_AUTHENTICATED)."""
        return await PersonLookup(self.rt).acting(principal)

    def phone_of(self, person: Person) -> str:
        return PersonLookup(self.rt).phone_of(person)

    async def change_password(
        self, principal: Principal, current: str, new: str, confirmation: str, client: ClientInfo
    ) -> int:
        """Current + new password twice; other sessions end, this one stays. Returns how many ended.

        A wrong current password counts as a failed login of the account (X7): enough of them lock it, and
        a locked account answers WRONG_PASSWORD whatever is typed. Within the 10 minutes after an electronic
        social security card login (``login_window.py``, FAQ 3.1) that session may leave the current
        password out.
        """
        person = await self.person(principal)
        via = await self._card_window(principal, skipped=not current)
        if via is None:
            await self._check_current_password(person, current, client, "password.change_failed")
        password = check_password(
            new or "",
            confirmation or "",
            policy=POLICY,
            phone=self.phone_of(person) if person.phone_enc is not None else None,
            certificate_number=self.pii.open("person.certificate_number", person.id, person.certificate_number_enc),
            field="newPassword",
            confirmation_field="newPasswordConfirmation",
        )
        if password == current:
            raise DomainError(ErrorCode.WEAK_PASSWORD, "新密码不能与当前密码相同", "newPassword", reason="unchanged")
        password_hash = await self.rt.hasher.hash(password)
        async with in_transaction():
            await Passwords(self.rt).store_hash(SubjectKind.PERSON, person.id, password_hash)
        ended = await self.sessions.revoke_all(
            SubjectKind.PERSON, person.id, "password_changed", keep=principal.session_id
        )
        await self.audit.record(
            "password.changed",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            sessions_ended=ended,
            **({"via": via} if via else {}),
        )
        return ended

    async def _card_window(self, principal: Principal, *, skipped: bool) -> str | None:
        """The window's method when the caller left the old proof out and its session is in the window."""
        if skipped and await window_ends_at(self.rt, principal, PERSON_WINDOW_METHOD) is not None:
            return PERSON_WINDOW_METHOD
        return None

    async def card_window_ends_at(self, principal: Principal) -> datetime | None:
        """When this session's window to change phone and password without the old ones closes (or None)."""
        return await window_ends_at(self.rt, principal, PERSON_WINDOW_METHOD)

    async def _check_current_password(
        self, person: Person, current: str | None, client: ClientInfo, event: str
    ) -> None:
        """The account's own password, counted like a login: wrong tries lock it, and locked answers wrong."""
        if not current:
            raise DomainError(ErrorCode.REQUIRED, "请输入当前密码", "currentPassword")
        current_hash = await Passwords(self.rt).hash_of(SubjectKind.PERSON, person.id)
        ok, just_locked = await LoginThrottle(self.rt).check_password(
            f"person:{person.id}", client, current, current_hash
        )
        if not ok:
            await self.audit.record(
                event,
                outcome="failure",
                subject=(SubjectKind.PERSON, person.id),
                client=client,
                reason="wrong_password",
            )
            if just_locked:
                await self.audit.record(
                    "account.locked", outcome="failure", subject=(SubjectKind.PERSON, person.id), client=client
                )
            raise DomainError(ErrorCode.WRONG_PASSWORD, WRONG_PASSWORD_MESSAGE, "currentPassword")

    async def send_own_phone_code(
        self, principal: Principal, purpose: SmsPurpose, client: ClientInfo
    ) -> tuple[str, SentCode]:
        """A code to the account's own phone (old-phone check, cancellation); returns it masked."""
        if purpose not in OWN_PHONE_PURPOSES:
            raise DomainError(ErrorCode.INVALID_PURPOSE, "不支持的验证码用途", "purpose")
        person = await self.person(principal)
        if person.phone_enc is None:
            raise _no_phone("purpose")
        phone = self.phone_of(person)
        try:
            sent = await self.codes.send(purpose, phone, client, field=None)
        except DomainError as error:
            await self.audit.record(
                "sms_code.refused",
                outcome="failure",
                subject=(SubjectKind.PERSON, person.id),
                client=client,
                purpose=purpose.value,
                phone=mask_phone(phone),
                reason=error.code.value,
            )
            raise
        await self.audit.record(
            "sms_code.sent",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            purpose=purpose.value,
            phone=mask_phone(phone),
        )
        return mask_phone(phone), sent

    async def change_phone(
        self,
        principal: Principal,
        old_code: str | None,
        new_phone: str,
        new_code: str,
        client: ClientInfo,
        *,
        current_password: str | None = None,
        new_code_field: str = "newPhoneCode",
    ) -> Person:
        """A new phone, proven by its code; the old phone's code too, or the password if there is none.

        An account whose phone went to someone else by an appeal (P9a) has no old phone to ask: it proves
        itself with its password instead (a session alone could be stolen). Whether the new phone is taken
        is told only after its code. Every other session of the account ends; this one stays. Within the 10
        minutes after an electronic social security card login that session needs neither (FAQ 3.1): the new
        phone's code alone.
        """
        person = await self.person(principal)
        old_phone = self.phone_of(person) if person.phone_enc is not None else None
        phone = normalize_phone(new_phone or "", "newPhone")
        if phone == old_phone:
            raise DomainError(ErrorCode.INVALID_PHONE, "新手机号不能与当前手机号相同", "newPhone")
        via = await self._card_window(principal, skipped=not (old_code if old_phone else current_password))
        proves_old = old_phone is not None and via is None
        if proves_old:
            await self.codes.check(SmsPurpose.CHANGE_PHONE_OLD, old_phone, old_code, field="oldPhoneCode")
        await self.codes.check(SmsPurpose.CHANGE_PHONE_NEW, phone, new_code, field=new_code_field)
        if old_phone is None and via is None:
            await self._check_current_password(person, current_password, client, "phone.bind_failed")
        if await PersonLookup(self.rt).by_phone(phone) is not None:
            raise _phone_taken()
        held = self.pii.phone_lookup(old_phone).on("phone_index") if old_phone is not None else {"phone_index": None}
        try:
            async with in_transaction():
                changed = await Person.filter(id=person.id, **held).update(
                    **seal_person_fields(self.pii, person.id, phone=phone),
                    updated_at=self.rt.clock.now(),
                )
                if changed != 1:  # a concurrent change won
                    raise DomainError(ErrorCode.STEP_INVALID, "手机号已被更改，请刷新后重试", "newPhone")
                if proves_old:
                    await self.codes.consume(
                        SmsPurpose.CHANGE_PHONE_OLD, old_phone, old_code or "", field="oldPhoneCode"
                    )
                await self.codes.consume(SmsPurpose.CHANGE_PHONE_NEW, phone, new_code, field=new_code_field)
        except IntegrityError:
            raise _phone_taken() from None
        ended = await self.sessions.revoke_all(
            SubjectKind.PERSON, person.id, "phone_changed", keep=principal.session_id
        )
        await self.audit.record(
            "phone.changed" if old_phone is not None else "person.phone_bound",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            old_phone=mask_phone(old_phone) if old_phone else None,
            new_phone=mask_phone(phone),
            sessions_ended=ended,
            **({"via": via} if via else {}),
        )
        return await Person.get(id=person.id)

    async def bind_new_phone(
        self, principal: Principal, new_phone: str, new_code: str, current_password: str | None, client: ClientInfo
    ) -> Person:
        """After a phone appeal took the phone away: bind a new one (its code and the account's password)."""
        person = await self.person(principal)
        if person.phone_enc is not None:
            raise DomainError(ErrorCode.STEP_INVALID, "您的账号已绑定手机号，如需更换请使用“更换手机号”", "newPhone")
        return await self.change_phone(
            principal, None, new_phone, new_code, client, current_password=current_password, new_code_field="smsCode"
        )

    async def my_sessions(self, principal: Principal) -> list[SessionInfo]:
        """Live sessions of the person, newest first, at most MAX_SESSIONS_LISTED."""
        person = await self.person(principal)
        now = self.rt.clock.now()
        idle_since = now - self.sessions.idle
        rows = (
            await Session.filter(
                subject_kind=SubjectKind.PERSON,
                subject_id=person.id,
                revoked_at__isnull=True,
                expires_at__gt=now,
                last_seen_at__gt=idle_since,
            )
            .order_by("-created_at")
            .limit(MAX_SESSIONS_LISTED)
        )
        return [
            SessionInfo(
                id=row.id,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                login_method=row.login_method,
                masked_client_address=row.client_address,
                user_agent=row.user_agent,
                current=row.id == principal.session_id,
            )
            for row in rows
        ]

    async def end_session(self, principal: Principal, session_id: str, client: ClientInfo) -> bool:
        """End one of the person's own live sessions; returns whether it was the current one."""
        person = await self.person(principal)
        try:
            wanted = uuid.UUID(str(session_id))
        except ValueError:
            raise not_found("sessionId") from None
        ended = await Session.filter(
            id=wanted, subject_kind=SubjectKind.PERSON, subject_id=person.id, revoked_at__isnull=True
        ).update(revoked_at=self.rt.clock.now(), revoked_reason="ended_by_user")
        if not ended:
            raise not_found("sessionId")
        await self.audit.record(
            "session.ended", subject=(SubjectKind.PERSON, person.id), client=client, session_id=str(wanted)
        )
        return wanted == principal.session_id

    async def my_bindings(self, principal: Principal) -> list[BindingInfo]:
        """Third-party logins bound to the person (provider, when, masked display name)."""
        person = await self.person(principal)
        rows = await ExternalBinding.filter(subject_kind=SubjectKind.PERSON, subject_id=person.id).order_by(
            "created_at"
        )
        return [BindingInfo(row.provider, row.created_at, self._display(row)) for row in rows]

    async def _has_own_login(self, person: Person) -> bool:
        """A password or a bound CA certificate: a way in that needs no partner."""
        if await Passwords(self.rt).hash_of(SubjectKind.PERSON, person.id) is not None:
            return True
        return await CertificateBinding.filter(subject_kind=SubjectKind.PERSON, subject_id=person.id).exists()

    def _display(self, row: ExternalBinding) -> str:
        if not row.display_enc:
            return ""
        try:
            return mask_name(self.pii.open(BINDING_DISPLAY_COLUMN, row.id, row.display_enc))
        except Exception:  # a display written by another version or key: show nothing rather than fail
            return ""

    async def unbind(self, principal: Principal, provider: str, client: ClientInfo) -> None:
        """Remove the person's binding to ``provider``; no such binding answers NOT_FOUND, and the last way
        to log in (no password, no other binding or certificate) LAST_LOGIN_METHOD.

        The person's row is locked while the ways are counted, so two concurrent unbinds cannot both take
        what the other counted on.
        """
        person = await self.person(principal)
        provider = (provider or "").strip()
        if not provider:
            raise DomainError(ErrorCode.REQUIRED, "请选择要解绑的登录方式", "provider")
        mine = {"subject_kind": SubjectKind.PERSON, "subject_id": person.id}
        async with in_transaction():
            await Person.select_for_update().filter(id=person.id).first()
            binding = await ExternalBinding.filter(**mine, provider=provider[:32]).first()
            if binding is None:
                raise not_found("provider")
            others = await ExternalBinding.filter(**mine).exclude(id=binding.id).exists()
            if not others and not await self._has_own_login(person):
                raise DomainError(
                    ErrorCode.LAST_LOGIN_METHOD, "这是您账号唯一的登录方式，请先设置登录密码后再解绑", "provider"
                )
            await ExternalBinding.filter(id=binding.id).delete()
        await self.audit.record(
            "binding.removed", subject=(SubjectKind.PERSON, person.id), client=client, provider=provider
        )


def _no_phone(field: str | None) -> DomainError:
    return DomainError(ErrorCode.PHONE_NOT_BOUND, "您的账号当前未绑定手机号，请先在“更换手机号”中绑定新手机号", field)


def _phone_taken() -> DomainError:
    return DomainError(
        ErrorCode.PHONE_TAKEN,
        "该手机号已被其他账号使用。如手机号为本人所有，可提交账号申诉",
        "newPhone",
        appeal="PHONE_TAKEN_BY_OTHER",
    )
