"""``startLogin`` / ``completeLogin`` for every login method, and redeeming a binding ticket (P4-P6, E6, X6).

A method of a plugin may start (a redirect to the partner, or a QR code to scan): the core makes the
single-use ``state``, bound to the starting browser, and the method builds the page's next step from it. At
completion the core takes the state (same method, same browser, in time) and asks the method for its
assertion; the pipeline maps it to an account. A subject bound to nobody gets a binding ticket
(``BindingNeeded``) that a proof of the account redeems: the identifier and password of the account, counted
against the same lock as the login form (docs/decisions.md #92, #93), or for a person an SMS code to the
account's phone (``binding_proofs.py``, #112). The built-in ``password`` and ``ca``
methods have no start; their completion is their own form's (``login.py``, ``ca_login.py``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.hookspecs import BuiltinLoginMethod
from uidp.ports import (
    CLAIM_ID_NUMBER,
    Assertion,
    LoginFailure,
    LoginMethod,
    LoginRequest,
    LoginStart,
    ScanStart,
    StartableLoginMethod,
    StartRequest,
)
from uidp.runtime import Runtime
from uidp.services.auth.binding_proofs import BindingSms, person_only, typed_phone
from uidp.services.auth.bindings import BINDABLE_KINDS, DISPLAY_COLUMN, AccountRef, Bindings, mismatch
from uidp.services.auth.ca_login import CertificateLoginService
from uidp.services.auth.login import LoginService
from uidp.services.auth.login_throttle import Attempt
from uidp.services.auth.login_tickets import (
    STATE_SECONDS,
    BindingTickets,
    LoginStates,
    PendingBinding,
    require_ticket,
)
from uidp.services.auth.pipeline import AccountRow, CorePorts, LoginOutcome, LoginPipeline
from uidp.services.auth.scan_tickets import ScanTickets
from uidp.services.auth.scan_tickets import invalid as scan_invalid
from uidp.services.shared.audit import Audit
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client

PARTNER_FAILED = "第三方登录未通过验证，请重新登录"


@dataclass(frozen=True)
class Started:
    """A started login: the state the partner must send back (a scan method: the scan ticket's id and the
    page's ``secret``), and what the page does next."""

    state: str
    expires_at: datetime
    next: LoginStart
    secret: str | None = None


@dataclass(frozen=True)
class BindingNeeded:
    """The partner proved a subject bound to no account: redeem ``ticket`` with a proof of the account."""

    ticket: str
    expires_at: datetime
    provider: str
    provider_label: str
    account_kind: str  # "person" or "entity": which account's password redeems it


class LoginFlows:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pipeline = LoginPipeline(rt)
        self.bindings = Bindings(rt)
        self.audit = Audit(rt)
        # The built-in methods have no start: their completion is their own form's, counted there.
        self._own_forms: dict[str, Callable[[Mapping[str, str], ClientInfo], Awaitable[LoginOutcome]]] = {
            BuiltinLoginMethod.PASSWORD: self._password,
            BuiltinLoginMethod.CA: self._certificate,
        }

    async def start(self, method_id: str, params: Mapping[str, str], client: ClientInfo, browser: str) -> Started:
        """The method's first step; LOGIN_CANNOT_START for a method without one. Starts are counted per
        address before the method is asked (``UIDP_LOGIN_STARTS_PER_HOUR``): each one allows one completion."""
        method = self.pipeline.method(method_id)
        if not isinstance(method, StartableLoginMethod):
            raise DomainError(ErrorCode.LOGIN_CANNOT_START, "该登录方式无需发起，请直接提交登录信息", "method")
        await limit_per_client(self.rt, "login_start", client, per_hour=self.rt.settings.login_starts_per_hour)
        states = LoginStates(self.rt)
        state, ticket = states.new_state(), ScanTickets.new_id()
        try:
            step = await method.start(StartRequest(state, dict(params), self.rt.clock.now(), ticket=ticket))
        except LoginFailure:
            await self.audit.record("login.start_failed", outcome="failure", client=client, method=method.id)
            raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "该登录方式暂不可用，请稍后再试", "method") from None
        await self.audit.record("login.started", client=client, method=method.id)
        if isinstance(step, ScanStart):  # the scan-ticket engine's ticket, not a state
            issued = await ScanTickets(self.rt, client).issue(
                ticket,
                method.id,
                browser,
                lifetime=step.lifetime_seconds,
                refresh_seconds=step.refresh_seconds,
                kept=step.keep,
            )
            return Started(ticket, issued.expires_at, step, issued.secret)
        expires_at = await states.issue(state, method.id, browser, STATE_SECONDS, dict(step.keep))
        return Started(state, expires_at, step)

    async def complete(
        self, method_id: str, state: str | None, params: Mapping[str, str], client: ClientInfo, browser: str
    ) -> LoginOutcome | BindingNeeded:
        """A session, or a binding ticket for an unbound subject; typed errors otherwise."""
        method = self.pipeline.method(method_id)
        own_form = self._own_forms.get(method.id)
        if own_form is not None:
            try:
                return await own_form(params, client)
            except DomainError as error:
                if error.field is not None:
                    error.field = "params"  # the box is one of completeLogin's params
                raise
        request = await self._request(method, state, params, client, browser)
        try:
            assertion = await method.complete(request, CorePorts(self.rt, "none"))
            if assertion.provider != method.id:  # a method speaks for its own subjects only
                raise LoginFailure("assertion for another provider")
        except LoginFailure:
            await self.pipeline.failed(method.id, client, reason="partner")
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, PARTNER_FAILED, None, captcha_required=False) from None
        except DomainError as error:  # the method's typed refusal (partner unreachable ...): audited, told as is
            await self.pipeline.failed(method.id, client, reason=error.code.value)
            raise
        return await self.conclude(method, assertion, client, browser)

    async def redeem_scan(
        self, ticket: str | None, secret: str | None, client: ClientInfo, browser: str | None
    ) -> LoginOutcome | BindingNeeded:
        """Log in with a confirmed scan ticket, once, from the page that created it (this browser, the secret):
        the partner's assertion sealed in it goes through the same pipeline as every other login."""
        method_id, assertion = await ScanTickets(self.rt, client).redeem(ticket, secret, browser)
        method = self.rt.plugins.login_method(method_id)
        if method is None:  # its plugin was removed since the ticket was issued
            raise scan_invalid()
        return await self.conclude(method, assertion, client, browser or "")

    async def conclude(
        self, method: LoginMethod, assertion: Assertion, client: ClientInfo, browser: str
    ) -> LoginOutcome | BindingNeeded:
        """The pipeline after a method's proof: resolve, admit, bind if the match says so, open the session;
        a subject bound to nobody gets a binding ticket for this browser."""
        try:
            match = await self.pipeline.resolve(method, assertion)
        except DomainError as error:
            await self.pipeline.failed(method.id, client, reason=error.code.value)
            raise
        if match is None:
            return await self._binding_needed(method, assertion, client, browser)
        row = await self.pipeline.admit(match.account, client, method_id=method.id)
        actor = await self.pipeline.actor(method, match.account, assertion, client)
        if match.binds and await self.bindings.bind(
            method.id, assertion.subject, match.account, display=assertion.display
        ):
            await self.audit.record("binding.created", subject=(match.account.kind, match.account.id), client=client,
                                    provider=method.id, via=match.via)  # fmt: skip
        return await self.pipeline.open_session(match.account, method.id, client, row=row, via=match.via, actor=actor)

    async def _request(
        self, method: LoginMethod, state: str | None, params: Mapping[str, str], client: ClientInfo, browser: str
    ) -> LoginRequest:
        if isinstance(method, StartableLoginMethod):
            started = await LoginStates(self.rt).take(state, method.id, browser)
            return LoginRequest(dict(params), state=state, kept=started.kept)
        # Nothing was started, so nothing was counted yet: the completion is the attempt.
        await limit_per_client(self.rt, "login_start", client, per_hour=self.rt.settings.login_starts_per_hour)
        return LoginRequest(dict(params))

    async def _password(self, params: Mapping[str, str], client: ClientInfo) -> LoginOutcome:
        return await LoginService(self.rt).login_with_password(
            params.get("identifier", ""),
            params.get("password", ""),
            client,
            captcha_id=params.get("captchaId"),
            captcha_answer=params.get("captchaAnswer"),
        )

    async def _certificate(self, params: Mapping[str, str], client: ClientInfo) -> LoginOutcome:
        try:
            chain = json.loads(params.get("chain") or "[]")
        except ValueError:
            chain = None
        if not isinstance(chain, list) or not all(isinstance(item, str) for item in chain):
            raise DomainError(ErrorCode.INVALID_FORMAT, "证书链格式不正确", "params")
        return await CertificateLoginService(self.rt).login(
            params.get("certificate", ""), chain, params.get("challenge", ""), params.get("signature", ""), client
        )

    async def _binding_needed(
        self, method: LoginMethod, assertion: Assertion, client: ClientInfo, browser: str
    ) -> BindingNeeded:
        kind, pii = assertion.subject_kind, Pii(self.rt)
        if kind not in BINDABLE_KINDS:
            await self.pipeline.failed(method.id, client, reason="unbindable_subject")
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, PARTNER_FAILED, None, captcha_required=False)
        binding_id = uuid.uuid4()
        pending = PendingBinding(
            method=method.id,
            subject_kind=kind,
            subject_index=self.bindings.subject_index(method.id, assertion.subject),
            binding_id=str(binding_id),
            display_enc=pii.seal_optional(DISPLAY_COLUMN, binding_id, assertion.display or None),
            subject_enc=self.bindings.seal_subject(binding_id, assertion.subject),
            claimed_index=pii.login_lookup(claimed) if (claimed := assertion.claims.get(CLAIM_ID_NUMBER)) else None,
        )
        ticket, expires_at = await BindingTickets(self.rt).issue(pending, browser)
        await self.audit.record("login.binding_required", client=client, method=method.id)
        return BindingNeeded(ticket, expires_at, method.id, method.label, kind)

    async def redeem(
        self,
        ticket: str,
        identifier: str,
        password: str,
        client: ClientInfo,
        browser: str | None,
        *,
        captcha_id: str | None = None,
        captcha_answer: str | None = None,
    ) -> LoginOutcome:
        """Bind the ticket's subject to the account this identifier + password prove, and log in.

        The ticket is taken before the password is checked, so it allows one check; a refusal that checked
        nothing (a missing or wrong captcha) puts it back. The check is the login form's: the same counters,
        captcha and lock (``LoginService.prove_password``).
        """
        require_ticket(ticket)
        if not (identifier or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入手机号或证件号码", "identifier")
        if not password:
            raise DomainError(ErrorCode.REQUIRED, "请输入密码", "password")
        tickets = BindingTickets(self.rt)
        pending, taken = await tickets.take(ticket, browser)
        try:
            proof = await LoginService(self.rt).prove_password(
                identifier,
                password,
                client,
                realm=pending.subject_kind,
                captcha_id=captcha_id,
                captcha_answer=captcha_answer,
            )
        except DomainError as error:
            if error.code in (ErrorCode.CAPTCHA_REQUIRED, ErrorCode.CAPTCHA_INVALID, ErrorCode.REQUIRED):
                await tickets.put_back(taken)
            raise
        return await self._bind_proven(pending, proof.account, proof.row, client, attempt=proof.attempt, via="password")

    async def redeem_by_sms(
        self, ticket: str, phone: str, sms_code: str, client: ClientInfo, browser: str | None
    ) -> LoginOutcome:
        """Bind a person's ticket to the account whose phone the BIND_LOGIN code proves, and log in.

        The ticket is taken before the code is checked, so it allows one check (counted by SmsCodes before
        the compare); a wrong code and a phone without an account are the same SMS_CODE_INVALID.
        """
        require_ticket(ticket)
        typed = typed_phone(phone)
        if not (sms_code or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入短信验证码", "smsCode")
        tickets = BindingTickets(self.rt)
        pending, taken = await tickets.take(ticket, browser)
        try:
            person_only(pending)
        except DomainError:
            await tickets.put_back(taken)  # nothing was checked
            raise
        try:
            person = await BindingSms(self.rt).prove(typed, sms_code)
        except DomainError:
            await self.pipeline.failed(pending.method, client, reason="sms_code")
            raise
        account = AccountRef(SubjectKind.PERSON, person.id)
        row = await self.pipeline.admit(account, client, method_id=pending.method, row=person)
        return await self._bind_proven(pending, account, row, client, attempt=None, via="sms")

    async def _bind_proven(
        self,
        pending: PendingBinding,
        account: AccountRef,
        row: AccountRow,
        client: ClientInfo,
        *,
        attempt: Attempt | None,
        via: str,
    ) -> LoginOutcome:
        """The proof was right: the partner's named ID number must be the account's, then bind and log in."""
        if pending.claimed_index and not pending.claimed_index.holds(getattr(row, "login_index", None)):
            await self._proof_was_right(attempt)
            await self.pipeline.failed(pending.method, client, reason="identity_mismatch", subject=account)
            raise mismatch()
        try:
            await self.bindings.bind(
                pending.method,
                "",
                account,
                binding_id=uuid.UUID(pending.binding_id),
                subject_index=pending.subject_index,
                display_enc=pending.display_enc,
                subject_enc=pending.subject_enc,
            )
        except DomainError:
            await self._proof_was_right(attempt)
            await self.pipeline.failed(pending.method, client, reason="bound_elsewhere", subject=account)
            raise
        await self.audit.record("binding.created", subject=(account.kind, account.id), client=client,
                                provider=pending.method, via=via)  # fmt: skip
        return await self.pipeline.open_session(
            account, pending.method, client, attempt=attempt, row=row, via="binding_ticket"
        )

    async def _proof_was_right(self, attempt: Attempt | None) -> None:
        if attempt is not None:
            await self.pipeline.throttle.succeeded(attempt)  # the password was right: not a guess
