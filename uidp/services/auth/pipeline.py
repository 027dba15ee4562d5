"""The login pipeline: the steps every channel shares, password and CA included (docs/decisions.md #90, #91).

A channel brings its own proof and its own attempt counter: the password form counts the attempt before the
password is checked (``login.py``), CA login spends a single-use challenge (``ca_login.py``), a partner's
method a single-use state bound to the browser (``partner_login.py``). Then the same steps follow:

1. the method's ``complete`` turns the request into an :class:`~uidp.ports.Assertion` (never touching
   accounts or sessions), with the lookups of :class:`CorePorts`;
2. :meth:`LoginPipeline.resolve` maps it to an account through the one bindings service;
3. :meth:`LoginPipeline.admit` checks the account may log in (one status rule for every channel);
4. :meth:`LoginPipeline.open_session` hands the attempt back to its counter, issues the session and
   writes ``login.succeeded``; every refusal is written by :meth:`LoginPipeline.failed` as ``login.failed``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.entity import Entity, EntityStatus
from uidp.models.person import Person, PersonStatus
from uidp.models.staff import StaffAccount
from uidp.ports import Assertion, LoginMethod, PasswordSubject
from uidp.runtime import Runtime
from uidp.services.auth.bindings import AccountRef, Bindings, Match
from uidp.services.auth.login_actor import actor_of
from uidp.services.auth.login_throttle import Attempt, LoginThrottle
from uidp.services.auth.sessions import IssuedSession, SessionActor, Sessions
from uidp.services.entities.entities import EntityLookup
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.principal import ClientInfo, Principal

log = logging.getLogger("uidp.login")

AccountRow = Person | Entity | StaffAccount


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
        self.rows: dict[str, AccountRow] = {}

    async def find_password_subject(self, identifier: str) -> PasswordSubject | None:
        if identifier in self._cache:
            return self._cache[identifier]
        row: AccountRow | None = None
        if self.realm == SubjectKind.STAFF:
            row = await StaffAccount.get_or_none(username=identifier.strip().lower(), active=True)
        elif self.realm == SubjectKind.ENTITY:
            # E2: the unified social credit code; a malformed code names nobody, like an unknown one.
            row = await EntityLookup(self.rt).by_typed_credit_code(identifier)
        elif self.realm == SubjectKind.PERSON:
            row = await PersonLookup(self.rt).by_identifier(identifier)
        found: PasswordSubject | None = None
        if row is not None:
            self.rows[str(row.id)] = row
            found = PasswordSubject(self.realm, str(row.id), await self.passwords.hash_of(self.realm, row.id))
        self._cache[identifier] = found
        return found

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        return await self.rt.hasher.verify(password, password_hash)


class LoginPipeline:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)
        self.throttle = LoginThrottle(rt)
        self.sessions = Sessions(rt)
        self.bindings = Bindings(rt)

    def method(self, method_id: str) -> LoginMethod:
        """The registered login method; UNKNOWN_LOGIN_METHOD on ``method`` otherwise."""
        method = self.rt.plugins.login_method((method_id or "").strip())
        if method is None:
            raise DomainError(ErrorCode.UNKNOWN_LOGIN_METHOD, "不支持该登录方式", "method")
        return method

    async def resolve(self, method: LoginMethod, assertion: Assertion, *, realm: str | None = None) -> Match | None:
        """The account the assertion opens (``bindings.py``), or None. An assertion that names another
        provider than its method opens nothing: a method speaks for its own bindings only."""
        if assertion.provider != method.id:
            log.warning("login method %s asserted for provider %s; ignored", method.id, assertion.provider)
            return None
        return await self.bindings.resolve(method, assertion, realm=realm)

    async def actor(
        self, method: LoginMethod, account: AccountRef, assertion: Assertion, client: ClientInfo
    ) -> SessionActor | None:
        """The person acting for the account (``login_actor.py``); a refusal is written as ``login.failed``."""
        try:
            return await actor_of(self.rt, method, account, assertion)
        except DomainError as error:
            await self.failed(method.id, client, reason=error.code.value, subject=account)
            raise

    async def account_row(self, account: AccountRef) -> AccountRow | None:
        if account.kind == SubjectKind.PERSON:
            return await Person.get_or_none(id=account.id)
        if account.kind == SubjectKind.ENTITY:
            return await Entity.get_or_none(id=account.id)
        if account.kind == SubjectKind.STAFF:
            return await StaffAccount.get_or_none(id=account.id, active=True)
        return None

    def refusal(self, row: AccountRow) -> tuple[ErrorCode, str, str] | None:
        """Why this account may not log in now (code, message, audit reason), or None."""
        if isinstance(row, Person):
            return _PERSON_REFUSALS.get(PersonStatus(row.status))
        if isinstance(row, Entity) and row.status != EntityStatus.ACTIVE:
            return ErrorCode.FORBIDDEN, "该法人账号当前不能登录", "entity_inactive"
        return None

    async def admit(
        self,
        account: AccountRef,
        client: ClientInfo,
        *,
        method_id: str,
        attempt: Attempt | None = None,
        row: AccountRow | None = None,
    ) -> AccountRow:
        """The account's row if it may log in. Ownership is proven by then, so a refusal tells the state
        (pending review, rejected, not activated) and hands the attempt back: a right proof is no guess."""
        row = row if row is not None else await self.account_row(account)
        if row is None:
            await self.failed(method_id, client, reason="account_gone", subject=account)
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, "登录未成功，请重新登录", None, captcha_required=False)
        refusal = self.refusal(row)
        if refusal is not None:
            if attempt is not None:
                await self.throttle.succeeded(attempt)
            code, message, reason = refusal
            await self.audit.record(
                "login.refused",
                outcome="failure",
                subject=(account.kind, account.id),
                client=client,
                method=method_id,
                reason=reason,
            )
            raise DomainError(code, message)
        return row

    async def open_session(
        self,
        account: AccountRef,
        method_id: str,
        client: ClientInfo,
        *,
        attempt: Attempt | None = None,
        row: AccountRow | None = None,
        actor: SessionActor | None = None,
        **details: Any,
    ) -> LoginOutcome:
        """Hand the attempt back to its counter, issue the session and write ``login.succeeded``.

        ``actor``: the person acting for the account (an entity) in this session; the event names them too.
        """
        if attempt is not None:
            await self.throttle.succeeded(attempt)
        issued = await self.sessions.issue(account.kind, account.id, method_id, client, actor=actor)
        await self.audit.record(
            "login.succeeded",
            actor=_acting(actor, account, issued.session.id),
            subject=(account.kind, account.id),
            client=client,
            method=method_id,
            session_id=str(issued.session.id),
            **details,
        )
        return LoginOutcome(issued, account.kind, account.id, row if isinstance(row, Person) else None)

    async def failed(
        self,
        method_id: str,
        client: ClientInfo,
        *,
        reason: str,
        subject: AccountRef | tuple[str, Any] | None = None,
        **details: Any,
    ) -> None:
        """Write ``login.failed`` (masked details only); the caller raises its own answer."""
        ref = (subject.kind, subject.id) if isinstance(subject, AccountRef) else subject
        await self.audit.record(
            "login.failed", outcome="failure", subject=ref, client=client, method=method_id, reason=reason, **details
        )


def _acting(actor: SessionActor | None, account: AccountRef, session_id: uuid.UUID) -> Principal | None:
    """The audit's actor of a session opened by a person for an account (None when the account acts itself)."""
    if actor is None:
        return None
    return Principal(
        account.kind, account.id, session_id, actor_id=actor.person_id, actor_role=actor.role, grant_id=actor.grant_id
    )


# A proven account that may not log in yet: the state is told, since ownership is proven.
_PERSON_REFUSALS = {
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
    PersonStatus.PROVISIONED: (
        ErrorCode.ACTIVATION_REQUIRED,
        "您的账号尚未激活，请先激活账号",
        "not_activated",
    ),
}
