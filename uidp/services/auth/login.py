"""Logging in through a registered login method, with lockout and captcha escalation (P3, X5, X7)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from uidp.config import ConfigError
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_id_number, mask_phone
from uidp.hookspecs import BuiltinLoginMethod
from uidp.models.person import Person, PersonStatus
from uidp.models.staff import StaffAccount
from uidp.ports import LoginFailure, PasswordSubject
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import Attempt, LoginThrottle
from uidp.services.auth.sessions import IssuedSession, Sessions
from uidp.services.entities.entities import EntityLookup
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.principal import ClientInfo
from uidp.services.staff.staff import StaffService

FAILED_MESSAGE = "账号或密码错误"


@dataclass(frozen=True)
class LoginOutcome:
    issued: IssuedSession
    subject_kind: str
    subject_id: uuid.UUID
    person: Person | None = None  # already loaded, so the caller need not read it again


class CorePorts:
    """The lookups lent to login methods; remembers what it found so the core can throttle by account."""

    def __init__(self, rt: Runtime, realm: str) -> None:
        self.rt = rt
        self.realm = realm
        self.passwords = Passwords(rt)
        self._cache: dict[str, PasswordSubject | None] = {}
        self.persons: dict[str, Person] = {}

    async def find_password_subject(self, identifier: str) -> PasswordSubject | None:
        if identifier in self._cache:
            return self._cache[identifier]
        found: PasswordSubject | None = None
        if self.realm == "staff":
            staff = await StaffAccount.get_or_none(username=identifier.strip().lower(), active=True)
            if staff is not None:
                found = PasswordSubject("staff", str(staff.id), await self.passwords.hash_of("staff", staff.id))
        elif self.realm == "entity":
            # E2: the unified social credit code; a malformed code names nobody, like an unknown one.
            entity = await EntityLookup(self.rt).by_typed_credit_code(identifier)
            if entity is not None:
                found = PasswordSubject("entity", str(entity.id), await self.passwords.hash_of("entity", entity.id))
        else:
            person = await PersonLookup(self.rt).by_identifier(identifier)
            if person is not None:
                self.persons[str(person.id)] = person
                found = PasswordSubject("person", str(person.id), await self.passwords.hash_of("person", person.id))
        self._cache[identifier] = found
        return found

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        return await self.rt.hasher.verify(password, password_hash)


class LoginService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)
        self.throttle = LoginThrottle(rt)
        self.sessions = Sessions(rt)

    async def login_with_password(
        self,
        identifier: str,
        password: str,
        client: ClientInfo,
        *,
        realm: str = "person",
        captcha_id: str | None = None,
        captcha_answer: str | None = None,
        totp_code: str | None = None,
    ) -> LoginOutcome:
        """Check identifier + password; locked and unknown accounts fail exactly like a wrong password.

        Staff also need a TOTP code: a right password without one answers SECOND_FACTOR_REQUIRED; a wrong
        code counts as a failure and answers SECOND_FACTOR_INVALID.
        """
        identifier = (identifier or "").strip()
        if not identifier:
            raise DomainError(ErrorCode.REQUIRED, "请输入手机号或证件号码", "identifier")
        if not password:
            raise DomainError(ErrorCode.REQUIRED, "请输入密码", "password")
        ports = CorePorts(self.rt, realm)
        subject = await ports.find_password_subject(identifier)
        typed = self.rt.blind.digest(f"login:{realm}", "".join(identifier.split()).upper())
        account_key = f"{subject.subject_kind}:{subject.subject_id}" if subject else typed
        attempt = await self.throttle.begin(account_key, client, identifier_key=typed)
        if attempt.captcha_shown:
            try:
                await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
            except DomainError as error:
                await self.throttle.refund(attempt)
                error.details["captcha_required"] = True
                raise
        elif attempt.captcha_hidden and not attempt.locked and not await self._captcha_ok(captcha_id, captcha_answer):
            # The account needs a captcha this identifier does not show: answer like a wrong password.
            await self.throttle.refund_account(attempt)
            await self.rt.hasher.verify(password, None)  # the time of a real check
            await self._fail(attempt, client, subject, identifier, reason="captcha_needed")
        method = self.rt.plugins.login_method(BuiltinLoginMethod.PASSWORD)
        if method is None:
            raise ConfigError("the password login method (plugins.password) is not installed")
        if attempt.locked:
            await self.rt.hasher.verify(password, None)  # not checked; the time of a real check
            await self._fail(attempt, client, subject, identifier, reason="locked")
        try:
            assertion = await method.authenticate({"identifier": identifier, "password": password}, ports)
        except LoginFailure:
            assertion = None
        if assertion is None:
            await self._fail(attempt, client, subject, identifier)
        assert assertion is not None and subject is not None
        subject_id = uuid.UUID(assertion.subject)
        person = ports.persons.get(assertion.subject) if assertion.subject_kind == "person" else None
        if assertion.subject_kind == "person":
            person = person or await Person.get(id=subject_id)
            await self._check_person_can_log_in(person, client, attempt)
        if assertion.subject_kind == "staff":
            await self._check_second_factor(attempt, client, subject, identifier, totp_code)
        await Passwords(self.rt).rehash_if_needed(
            assertion.subject_kind, subject_id, password, subject.password_hash or ""
        )
        await self.throttle.succeeded(attempt)
        issued = await self.sessions.issue(assertion.subject_kind, subject_id, method.id, client)
        await self.audit.record(
            "login.succeeded",
            subject=(assertion.subject_kind, subject_id),
            client=client,
            method=method.id,
            session_id=str(issued.session.id),
        )
        return LoginOutcome(issued, assertion.subject_kind, subject_id, person)

    async def _captcha_ok(self, captcha_id: str | None, captcha_answer: str | None) -> bool:
        if not captcha_id or not captcha_answer:
            return False
        try:
            await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
        except DomainError:
            return False
        return True

    async def _check_second_factor(
        self, attempt: Attempt, client: ClientInfo, subject: PasswordSubject, identifier: str, code: str | None
    ) -> None:
        if not (code or "").strip():
            await self.throttle.succeeded(attempt)  # the password was right: not a guess
            raise DomainError(ErrorCode.SECOND_FACTOR_REQUIRED, "请输入动态口令", "totpCode", captcha_required=False)
        try:
            right = await StaffService(self.rt).check_totp(uuid.UUID(subject.subject_id), code or "")
        except DomainError as refusal:  # too many codes tried: this one was not even checked
            await self._fail(
                attempt,
                client,
                subject,
                identifier,
                reason="second_factor_limit",
                code=refusal.code,
                message=refusal.message,
                field="totpCode",
            )
        if not right:
            await self._fail(
                attempt,
                client,
                subject,
                identifier,
                reason="second_factor",
                code=ErrorCode.SECOND_FACTOR_INVALID,
                message="动态口令错误",
                field="totpCode",
            )

    async def _fail(
        self,
        attempt: Attempt,
        client: ClientInfo,
        subject: PasswordSubject | None,
        identifier: str,
        *,
        reason: str = "password",
        code: ErrorCode = ErrorCode.INVALID_CREDENTIALS,
        message: str = FAILED_MESSAGE,
        field: str = "password",
    ) -> None:
        """Audit and raise the failure; ``reason`` says whether a password was checked (``password``)."""
        just_locked = await self.throttle.failed(attempt) if reason in _COUNTED_REASONS else False
        subject_ref: Any = (subject.subject_kind, subject.subject_id) if subject else None
        await self.audit.record(
            "login.failed",
            outcome="failure",
            subject=subject_ref,
            client=client,
            identifier=_mask_identifier(identifier),
            known_account=subject is not None,
            reason=reason,
        )
        if just_locked:
            await self.audit.record("account.locked", outcome="failure", subject=subject_ref, client=client)
        raise DomainError(code, message, field, captcha_required=attempt.captcha_required_next)

    async def _check_person_can_log_in(self, person: Person, client: ClientInfo, attempt: Attempt) -> None:
        refusal = _REFUSALS.get(PersonStatus(person.status))
        if refusal is not None:
            await self.throttle.succeeded(attempt)  # the password was right: not a guess
            code, message, reason = refusal
            await self.audit.record(
                "login.refused", outcome="failure", subject=("person", person.id), client=client, reason=reason
            )
            raise DomainError(code, message)

    async def logout(self, session_id: uuid.UUID, subject: tuple[str, uuid.UUID], client: ClientInfo) -> None:
        await self.sessions.revoke_one(session_id, "logout")
        await self.audit.record("logout", subject=subject, client=client, session_id=str(session_id))


# Failures after a password check: they stay counted and may lock the account.
_COUNTED_REASONS = {"password", "second_factor", "second_factor_limit"}
# A correct password on an account that may not log in yet: the state is told, since ownership is proven.
_REFUSALS = {
    PersonStatus.PENDING_REVIEW: (
        ErrorCode.ACCOUNT_PENDING_REVIEW,
        "您的注册申请正在人工审核中，审核通过后即可登录",
        "pending_review",
    ),
    PersonStatus.REJECTED: (
        ErrorCode.ACCOUNT_REJECTED,
        "您的注册申请未通过审核，请按短信提示重新提交",
        "rejected",
    ),
}


def _mask_identifier(identifier: str) -> str:
    cleaned = identifier.strip()
    if len(cleaned) == 11 and cleaned.isdigit():
        return mask_phone(cleaned)
    return mask_id_number(cleaned)
