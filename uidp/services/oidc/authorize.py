"""The authorization endpoint's decisions (OIDC Core §3.1.2): from a valid request and the browser's uidp
session to the next step: log in, raise the level, consent, or the code.

A request, once validated (pushed or not), waits as a *pending* step ticket bound to the browser (its login
cookie) while the person logs in, raises the level or reads the consent page; the pages carry only the
ticket's token. Every visit re-decides from the live session, so a session ended, an account locked or a
level lost between the pages is seen. The request ends exactly once: the pending ticket is spent atomically
before a code (or an error for the client) is issued, so a double submit issues one code.

Order of the checks: a live session of an existing, active account (else login; ``prompt=none``:
``login_required``); ``prompt=login`` and ``max_age`` want a login after the request began; a locked
account is refused (``access_denied``); the identity level must reach the client's ``min_level`` and
``acr_values`` (else the step-up page; ``prompt=none``: ``unmet_authentication_requirements``); then consent
(remembered per subject and client; a proxy session's agent is asked every time; ``prompt=none``:
``consent_required``); then the code (60 s, bound to the client, redirect URI, PKCE challenge and DPoP key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.oidc import SCOPES, OAuthError, acr_of, amr_of
from uidp.models.entity import Entity, EntityStatus
from uidp.models.oidc import OidcClient
from uidp.models.person import Person, PersonStatus
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.session_lookup import SessionRow
from uidp.services.auth.sessions import principal_of
from uidp.services.oidc.codes import AuthorizationCodes, CodeGrant
from uidp.services.oidc.consents import Consents, receivable_labels
from uidp.services.oidc.requests import AuthorizationRequest, RequestRefused
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.step_tickets import StepTicket, StepTickets

PENDING_SECONDS = 600  # time to log in, raise the level and read the consent page
FLOW = "oidc_pending"
AUTHORIZE_PATH = "/oidc/authorize"


@dataclass(frozen=True)
class Redirect:
    """Back to the connected system: the code, or an error for it (``error``, ``state``, ``iss``)."""

    url: str


@dataclass(frozen=True)
class NeedsLogin:
    """Log in (again) at /login and come back to ``return_to`` (a same-origin path)."""

    return_to: str


@dataclass(frozen=True)
class NeedsStepUp:
    """The account's level is below what the system needs: say how to raise it."""

    pending: str
    client_name: str
    required: int
    level: int
    subject_kind: str
    redirect_uri: str  # where the page's 返回 form ends up (the page's CSP form-action)


@dataclass(frozen=True)
class NeedsConsent:
    """Ask the person whether the system may receive ``labels``."""

    pending: str
    client_name: str
    labels: list[str]
    redirect_uri: str  # where the page's forms end up (the page's CSP form-action)


Outcome = Redirect | NeedsLogin | NeedsStepUp | NeedsConsent


def continuation(pending: str) -> str:
    """The same-origin URL that resumes a pending request (the login page's ``return_to``)."""
    return f"{AUTHORIZE_PATH}?{urlencode({'pending': pending})}"


def client_redirect(issuer: str, redirect_uri: str, state: str | None, **values: str) -> str:
    """``redirect_uri`` with ``values``, ``state`` and ``iss`` (RFC 9207) added to the query it may have."""
    params = {**values, **({"state": state} if state is not None else {}), "iss": issuer}
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(params)}"


def error_redirect(issuer: str, refused: RequestRefused) -> str:
    """Where a refusal that may be redirected goes (its ``redirect_uri`` is the client's registered one)."""
    assert refused.redirect_uri is not None
    values = {"error": refused.error.value}
    if refused.description:
        values["error_description"] = refused.description
    return client_redirect(issuer, refused.redirect_uri, refused.state, **values)


class AuthorizationFlow:
    """Start, resume and finish authorization requests for one browser."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.tickets = StepTickets(rt, FLOW, seconds=PENDING_SECONDS, invalid=ErrorCode.STEP_INVALID)
        self.audit = Audit(rt)

    @property
    def issuer(self) -> str:
        return self.rt.settings.oidc_issuer

    async def start(self, request: AuthorizationRequest, browser: str, client_info: ClientInfo) -> str:
        """Keep a validated request for this browser; the pending token the pages carry.

        Each kept request is counted against the address's ``UIDP_LOGIN_STARTS_PER_HOUR`` first (a basic
        client's requests come straight from the query, so anyone could otherwise fill the store with them);
        over it the request goes back to the client as ``temporarily_unavailable``."""
        try:
            per_hour = self.rt.settings.login_starts_per_hour
            await limit_per_client(self.rt, "oidc_authorize", client_info, per_hour=per_hour)
        except DomainError:
            raise RequestRefused(
                OAuthError.TEMPORARILY_UNAVAILABLE,
                "too many sign-in requests from this address; try again later",
                redirect_uri=request.redirect_uri,
                state=request.state,
            ) from None
        data = {"request": request.to_data(), "began_at": self.rt.clock.now().isoformat()}
        return (await self.tickets.issue(data, browser=browser)).token

    async def resume(self, pending: str | None, browser: str | None) -> tuple[AuthorizationRequest, StepTicket]:
        """The pending request, not spent; refused (a page) when unknown, expired, finished or another browser's."""
        try:
            ticket = await self.tickets.read(pending, browser=browser or None)
        except DomainError:
            raise RequestRefused(OAuthError.INVALID_REQUEST, "this sign-in request is unknown or has expired") from None
        return AuthorizationRequest.from_data(ticket.data["request"]), ticket

    async def decide(
        self,
        pending: str | None,
        browser: str | None,
        row: SessionRow | None,
        client_info: ClientInfo,
        *,
        consent: bool | None = None,
    ) -> Outcome:
        """The next step of the pending request for the browser's live session ``row`` (None: none).
        ``consent`` is the consent page's answer (True approve, False deny); None: ask if needed."""
        request, ticket = await self.resume(pending, browser)
        assert pending is not None
        client = await OidcClient.get_or_none(id=request.client_id)
        if client is None or client.disabled_at is not None:
            await self.tickets.spend(pending, browser=browser)
            raise RequestRefused(OAuthError.INVALID_CLIENT, "the client is no longer enabled")
        refuse = _refuser(request)
        account = _account(row)
        try:
            if row is None or account is None:
                if "none" in request.prompt:
                    raise refuse(OAuthError.LOGIN_REQUIRED, "no login session")
                return NeedsLogin(continuation(pending))
            session = row.session
            began = datetime.fromisoformat(ticket.data["began_at"])
            fresh = session.created_at >= began
            stale = request.max_age is not None and self.rt.clock.now() - session.created_at > timedelta(
                seconds=request.max_age
            )
            if not fresh and ("login" in request.prompt or stale):
                if "none" in request.prompt:
                    raise refuse(OAuthError.LOGIN_REQUIRED, "the login is older than max_age")
                return NeedsLogin(continuation(pending))
            if await self._locked(row):
                raise refuse(OAuthError.ACCESS_DENIED, "the account is locked")
            level, required = int(getattr(account, "level", 1)), request.required_level(client)
            if level < required:
                if "none" in request.prompt:
                    raise refuse(OAuthError.UNMET_AUTHENTICATION_REQUIREMENTS, f"level {required} is required")
                if consent is None:
                    return NeedsStepUp(
                        pending, client.name, required, level, session.subject_kind, request.redirect_uri
                    )
                raise refuse(OAuthError.ACCESS_DENIED, f"level {required} is required")
            if consent is False:
                await self.audit.record(
                    "oidc.consent_denied",
                    outcome="failure",
                    actor=principal_of(session),
                    subject=(session.subject_kind, session.subject_id),
                    client=client_info,
                    client_id=client.client_id,
                )
                raise refuse(OAuthError.ACCESS_DENIED, "the user declined")
            subject = (session.subject_kind, session.subject_id)
            proxy = session.actor_role == ActorRole.AGENT
            released = _released(request, client)
            consents = Consents(self.rt)
            if consent is None and (
                "consent" in request.prompt
                or proxy
                or not await consents.covers(subject, client, request.scopes, released)
            ):
                if "none" in request.prompt:
                    raise refuse(OAuthError.CONSENT_REQUIRED, "consent is required")
                labels = receivable_labels(request.scopes, session)
                return NeedsConsent(pending, client.name, labels, request.redirect_uri)
            await self._finish(pending, browser)
            if consent and not proxy:
                await consents.grant(
                    subject, client, request.scopes, released, actor=principal_of(session), client_info=client_info
                )
            return Redirect(await self._code(request, client, row, released, client_info))
        except RequestRefused as refused:
            if refused.redirect_uri is None:
                raise
            await self._finish(pending, browser, quiet=True)
            await self.audit.record(
                "oidc.authorization_refused",
                outcome="failure",
                client=client_info,
                client_id=client.client_id,
                error=refused.error.value,
            )
            return Redirect(error_redirect(self.issuer, refused))

    async def refused(self, refused: RequestRefused, client_id: str, client_info: ClientInfo) -> str:
        """Audit the refusal of a request before it was kept (its redirect URI checked); where to redirect."""
        await self.audit.record(
            "oidc.authorization_refused",
            outcome="failure",
            client=client_info,
            client_id=client_id,
            error=refused.error.value,
        )
        return error_redirect(self.issuer, refused)

    async def _finish(self, pending: str, browser: str | None, *, quiet: bool = False) -> None:
        """Spend the pending request: the one winner of a double submit goes on, any other gets a page."""
        try:
            await self.tickets.spend(pending, browser=browser)
        except DomainError:
            if quiet:
                return
            raise RequestRefused(OAuthError.INVALID_REQUEST, "this sign-in request has already been used") from None

    async def _locked(self, row: SessionRow) -> bool:
        session = row.session
        throttle = LoginThrottle(self.rt)
        if await throttle.is_locked(f"{session.subject_kind}:{session.subject_id}"):
            return True
        return session.actor_id is not None and await throttle.is_locked(f"{SubjectKind.PERSON}:{session.actor_id}")

    async def _code(
        self,
        request: AuthorizationRequest,
        client: OidcClient,
        row: SessionRow,
        released: list[str],
        client_info: ClientInfo,
    ) -> str:
        session, account = row.session, row.account
        grant = CodeGrant(
            client_id=str(client.id),
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            subject_kind=session.subject_kind,
            subject_id=str(session.subject_id),
            acr=acr_of(int(getattr(account, "level", 1))),
            auth_time=int(session.created_at.timestamp()),
            scopes=list(request.scopes),
            claims=released,
            amr=amr_of(session.login_method),
            nonce=request.nonce,
            session_id=str(session.id),
            actor_id=str(session.actor_id) if session.actor_id else None,
            grant_id=str(session.grant_id) if session.grant_id else None,
            dpop_jkt=request.dpop_jkt,
        )
        code = await AuthorizationCodes(self.rt).issue(grant)
        await self.audit.record(
            "oidc.code_issued",
            actor=principal_of(session),
            subject=(session.subject_kind, session.subject_id),
            client=client_info,
            client_id=client.client_id,
            scopes=grant.scopes,
            acr=grant.acr,
        )
        return client_redirect(self.issuer, request.redirect_uri, request.state, code=code)


def _refuser(request: AuthorizationRequest) -> Any:
    def refuse(error: OAuthError, description: str) -> RequestRefused:
        return RequestRefused(error, description, redirect_uri=request.redirect_uri, state=request.state)

    return refuse


def _account(row: SessionRow | None) -> Person | Entity | None:
    """The session's account if it may sign in to a connected system (active person or entity), else None."""
    account = row.account if row is not None else None
    if isinstance(account, Person) and account.status == PersonStatus.ACTIVE:
        return account
    if isinstance(account, Entity) and account.status == EntityStatus.ACTIVE:
        return account
    return None


def _released(request: AuthorizationRequest, client: OidcClient) -> list[str]:
    """The claims the consent lets go: those of the requested scopes the client is allowed, and those asked
    for one by one (the token endpoint releases them only under a granted scope)."""
    allowed = set(client.claims or [])
    by_scope = [claim for scope in request.scopes for claim in SCOPES[scope].claims if claim in allowed]
    return list(dict.fromkeys([*by_scope, *request.claims]))
