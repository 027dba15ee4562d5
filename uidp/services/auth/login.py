"""Password login (P3, E2, staff) through the login pipeline, with lockout and captcha escalation (X5, X7).

The password form's own part is its attempt counter: the account the identifier names is looked up and the
attempt counted before the password is checked (``login_throttle``), with the captcha and lock gates that
follow from the counts, and the staff TOTP step. The rest (the method's assertion, the account it opens,
the account check, the session and the audit) is the pipeline's (``pipeline.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from uidp.config import ConfigError
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_id_number, mask_phone
from uidp.hookspecs import BuiltinLoginMethod
from uidp.ports import LoginFailure, LoginRequest, PasswordSubject
from uidp.runtime import Runtime
from uidp.services.auth.bindings import AccountRef
from uidp.services.auth.login_throttle import Attempt, LoginThrottle
from uidp.services.auth.pipeline import AccountRow, CorePorts, LoginOutcome, LoginPipeline
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.staff.staff import StaffService

FAILED_MESSAGE = "账号或密码错误"
METHOD_ID = BuiltinLoginMethod.PASSWORD

__all__ = ["FAILED_MESSAGE", "CorePorts", "LoginOutcome", "LoginService", "PasswordProof"]


@dataclass(frozen=True)
class PasswordProof:
    """A right password (and TOTP code, for staff) on an account that may log in; the attempt is still
    counted until the caller opens the session (or hands it back)."""

    account: AccountRef
    attempt: Attempt
    row: AccountRow


class LoginService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)
        self.throttle = LoginThrottle(rt)
        self.pipeline = LoginPipeline(rt)

    async def login_with_password(
        self,
        identifier: str,
        password: str,
        client: ClientInfo,
        *,
        realm: str = SubjectKind.PERSON,
        captcha_id: str | None = None,
        captcha_answer: str | None = None,
        totp_code: str | None = None,
    ) -> LoginOutcome:
        """Check identifier + password; locked and unknown accounts fail exactly like a wrong password.

        Staff also need a TOTP code: a right password without one answers SECOND_FACTOR_REQUIRED; a wrong
        code counts as a failure and answers SECOND_FACTOR_INVALID.
        """
        proof = await self.prove_password(
            identifier,
            password,
            client,
            realm=realm,
            captcha_id=captcha_id,
            captcha_answer=captcha_answer,
            totp_code=totp_code,
        )
        return await self.pipeline.open_session(proof.account, METHOD_ID, client, attempt=proof.attempt, row=proof.row)

    async def prove_password(
        self,
        identifier: str,
        password: str,
        client: ClientInfo,
        *,
        realm: str = SubjectKind.PERSON,
        captcha_id: str | None = None,
        captcha_answer: str | None = None,
        totp_code: str | None = None,
        message: str = FAILED_MESSAGE,
    ) -> PasswordProof:
        """The password form's proof, counted like a login (the binding ticket's redemption uses it too)."""
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
        fail = _Failure(self, attempt, client, subject, identifier, message)
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
            await fail(reason="captcha_needed")
        method = self.rt.plugins.login_method(METHOD_ID)
        if method is None:
            raise ConfigError("the password login method (plugins.password) is not installed")
        if attempt.locked:
            await self.rt.hasher.verify(password, None)  # not checked; the time of a real check
            await fail(reason="locked")
        try:
            assertion = await method.complete(LoginRequest({"identifier": identifier, "password": password}), ports)
        except LoginFailure:
            assertion = None
        match = await self.pipeline.resolve(method, assertion, realm=realm) if assertion is not None else None
        if match is None or subject is None:
            await fail()
        assert match is not None and subject is not None
        account = match.account
        row = await self.pipeline.admit(
            account, client, method_id=METHOD_ID, attempt=attempt, row=ports.rows.get(str(account.id))
        )
        if account.kind == SubjectKind.STAFF:
            await self._check_second_factor(fail, subject, totp_code)
        await Passwords(self.rt).rehash_if_needed(account.kind, account.id, password, subject.password_hash or "")
        return PasswordProof(account, attempt, row)

    async def _captcha_ok(self, captcha_id: str | None, captcha_answer: str | None) -> bool:
        if not captcha_id or not captcha_answer:
            return False
        try:
            await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
        except DomainError:
            return False
        return True

    async def _check_second_factor(self, fail: _Failure, subject: PasswordSubject, code: str | None) -> None:
        if not (code or "").strip():
            await self.throttle.succeeded(fail.attempt)  # the password was right: not a guess
            raise DomainError(ErrorCode.SECOND_FACTOR_REQUIRED, "请输入动态口令", "totpCode", captcha_required=False)
        try:
            right = await StaffService(self.rt).check_totp(uuid.UUID(subject.subject_id), code or "")
        except DomainError as refusal:  # too many codes tried: this one was not even checked
            await fail(reason="second_factor_limit", code=refusal.code, message=refusal.message, field="totpCode")
        if not right:
            await fail(
                reason="second_factor", code=ErrorCode.SECOND_FACTOR_INVALID, message="动态口令错误", field="totpCode"
            )

    async def logout(
        self,
        session_id: uuid.UUID,
        subject: tuple[str, uuid.UUID],
        client: ClientInfo,
        *,
        actor: Principal | None = None,
    ) -> None:
        """End the session; ``actor`` (the session's principal) names a proxy session's agent in the audit."""
        await self.pipeline.sessions.revoke_one(session_id, "logout")
        acting = actor if actor is not None and actor.actor_id is not None else None
        await self.audit.record("logout", actor=acting, subject=subject, client=client, session_id=str(session_id))


class _Failure:
    """Audits and raises one attempt's failure; ``reason`` says whether a password was checked."""

    def __init__(
        self,
        service: LoginService,
        attempt: Attempt,
        client: ClientInfo,
        subject: PasswordSubject | None,
        identifier: str,
        message: str,
    ) -> None:
        self.service, self.attempt, self.client = service, attempt, client
        self.subject, self.identifier, self.message = subject, identifier, message

    async def __call__(
        self,
        *,
        reason: str = "password",
        code: ErrorCode = ErrorCode.INVALID_CREDENTIALS,
        message: str | None = None,
        field: str = "password",
    ) -> None:
        throttle, attempt = self.service.throttle, self.attempt
        just_locked = await throttle.failed(attempt) if reason in _COUNTED_REASONS else False
        subject_ref: Any = (self.subject.subject_kind, self.subject.subject_id) if self.subject else None
        await self.service.pipeline.failed(
            METHOD_ID,
            self.client,
            reason=reason,
            subject=subject_ref,
            identifier=_mask_identifier(self.identifier),
            known_account=self.subject is not None,
        )
        if just_locked:
            await self.service.audit.record(
                "account.locked", outcome="failure", subject=subject_ref, client=self.client
            )
        raise DomainError(code, message or self.message, field, captcha_required=attempt.captcha_required_next)


# Failures after a password check: they stay counted and may lock the account.
_COUNTED_REASONS = {"password", "second_factor", "second_factor_limit"}


def _mask_identifier(identifier: str) -> str:
    cleaned = identifier.strip()
    if len(cleaned) == 11 and cleaned.isdigit():
        return mask_phone(cleaned)
    return mask_id_number(cleaned)
