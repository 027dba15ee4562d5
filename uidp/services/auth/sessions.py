"""Sessions (X5): opaque tokens, idle and absolute timeouts, revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from uidp.config import Settings
from uidp.domain.accounts import SubjectKind
from uidp.domain.delegation import GrantFacts
from uidp.models.grant import Grant
from uidp.models.session import Session
from uidp.models.staff import StaffAccount
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.auth.api_tokens import ApiTokens, is_api_token
from uidp.services.auth.grant_use import held_facts
from uidp.services.auth.session_lookup import SessionRow, session_with_account
from uidp.services.shared.principal import ClientInfo, Principal

TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most once a minute per session


@dataclass(frozen=True)
class SessionActor:
    """The person acting for a session's subject (an entity): an agent under a grant, or a licence scanner."""

    person_id: uuid.UUID
    role: str  # uidp.domain.accounts.ActorRole
    grant_id: uuid.UUID | None = None


@dataclass(frozen=True)
class IssuedSession:
    token: str
    session: Session


def session_limits(settings: Settings, subject_kind: str) -> tuple[timedelta, timedelta]:
    """(idle, absolute) timeouts: staff sessions have their own, shorter ones."""
    if subject_kind == SubjectKind.STAFF:
        return (
            timedelta(minutes=settings.staff_session_idle_minutes),
            timedelta(hours=settings.staff_session_absolute_hours),
        )
    return timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_absolute_hours)


#: Every end of a session of any subject is announced here too, as ``<kind>:<id>``: the OpenID provider's
#: back-channel logout (uidp.services.oidc.deliveries) listens, to tell the connected systems at once.
ANY_ENDED_CHANNEL = "sessions-ended"


def ended_channel(subject_kind: str, subject_id: uuid.UUID | str) -> str:
    """The store channel on which the end of a session of this subject is announced (sessionEnded)."""
    return f"sessions-ended:{subject_kind}:{subject_id}"


async def announce_ended(rt: Runtime, subject_kind: str, subject_id: uuid.UUID | str) -> None:
    """Wake the watchers of this subject's sessions in every worker; they re-read their own session."""
    await rt.store.publish(ended_channel(subject_kind, subject_id), "ended")
    await rt.store.publish(ANY_ENDED_CHANNEL, f"{subject_kind}:{subject_id}")


def principal_of(
    session: Session,
    roles: tuple[str, ...] = (),
    account: object | None = None,
    grant_chain: tuple[Grant, ...] | None = None,
    grant_facts: tuple[GrantFacts, ...] | None = None,
) -> Principal:
    """The principal a session speaks for, with the person acting in it for its subject (``actor_*``), and the
    account row and the checked grant chain read with the session, if any."""
    return Principal(
        session.subject_kind,
        session.subject_id,
        session.id,
        roles,
        actor_id=session.actor_id,
        actor_role=session.actor_role,
        grant_id=session.grant_id,
        account=account,
        grant_chain=grant_chain,
        grant_facts=grant_facts,
    )


class Sessions:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.idle, self.absolute = session_limits(rt.settings, SubjectKind.PERSON)

    async def issue(
        self,
        subject_kind: str,
        subject_id: uuid.UUID,
        method: str,
        client: ClientInfo,
        *,
        actor: SessionActor | None = None,
    ) -> IssuedSession:
        """A new session; the token is returned once and only its digest is stored."""
        now = self.rt.clock.now()
        token = new_token()
        _, absolute = session_limits(self.rt.settings, subject_kind)
        session = await Session.create(
            id=uuid.uuid4(),
            token_hash=token_digest(token),
            subject_kind=subject_kind,
            subject_id=subject_id,
            login_method=method,
            client_address=client.masked_address,
            user_agent=client.user_agent[:200],
            created_at=now,
            last_seen_at=now,
            expires_at=now + absolute,
            actor_id=actor.person_id if actor else None,
            actor_role=actor.role if actor else None,
            grant_id=actor.grant_id if actor else None,
        )
        return IssuedSession(token, session)

    async def resolve(self, token: str | None) -> Session | None:
        """The live session for a token, or None (unknown, revoked, idle too long, or past its end)."""
        row = await self.resolve_with_account(token)
        return row.session if row is not None else None

    async def resolve_with_account(self, token: str | None) -> SessionRow | None:
        """The live session for a token and its account (and a proxy session's grant chain, checked in force),
        read in one query (uidp.services.auth.session_lookup)."""
        if not token or len(token) > 128:
            return None
        row = await session_with_account(token_digest(token))
        if row is None or row.session.revoked_at is not None:
            return None
        session = row.session
        now = self.rt.clock.now()
        if now >= session.expires_at:
            await self.revoke(session, "expired")
            return None
        idle, _ = session_limits(self.rt.settings, session.subject_kind)
        if now - session.last_seen_at >= idle:
            await self.revoke(session, "idle")
            return None
        if session.grant_id is not None:
            facts = held_facts(self.rt, session, row.stored_chain)  # read in the same statement
            if facts is None:
                await self.revoke(session, "grant_ended")  # E3: the grant is checked at every use
                return None
            row = replace(row, grant_chain=row.stored_chain, grant_facts=facts)
        if now - session.last_seen_at >= TOUCH_EVERY:
            session.last_seen_at = now
            await Session.filter(id=session.id).update(last_seen_at=now)
        return row

    async def revoke(self, session: Session, reason: str) -> None:
        await self.revoke_one(session.id, reason)

    async def revoke_one(self, session_id: uuid.UUID, reason: str) -> None:
        now = self.rt.clock.now()
        ended = await Session.filter(id=session_id, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason
        )
        if ended:
            session = await Session.get(id=session_id)
            await announce_ended(self.rt, session.subject_kind, session.subject_id)

    async def revoke_all(
        self, subject_kind: str, subject_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
    ) -> int:
        """End every live session of a subject (password change, appeal approval, cancellation)."""
        query = Session.filter(subject_kind=subject_kind, subject_id=subject_id, revoked_at__isnull=True)
        if keep is not None:
            query = query.exclude(id=keep)
        ended = await query.update(revoked_at=self.rt.clock.now(), revoked_reason=reason)
        if ended:
            await announce_ended(self.rt, subject_kind, subject_id)
        return ended

    async def revoke_resting_on(
        self, grant_ids: list[uuid.UUID], reason: str
    ) -> tuple[int, set[tuple[str, uuid.UUID]]]:
        """End every live session resting on one of these grants (proxy sessions, E9's cascade); joins the
        caller's transaction. Returns how many ended and their subjects, which the caller announces
        (``announce_ended``) after its commit."""
        if not grant_ids:
            return 0, set()
        query = Session.filter(grant_id__in=grant_ids, revoked_at__isnull=True)
        subjects = {(row.subject_kind, row.subject_id) for row in await query.only("subject_kind", "subject_id")}
        ended = await query.update(revoked_at=self.rt.clock.now(), revoked_reason=reason) if subjects else 0
        return ended, subjects

    async def principal(self, token: str | None) -> Principal | None:
        """Who a token speaks for: a live session of an existing subject, with staff roles and the account row it
        was read with (one query), or a staff API token (with its scopes; raises TOKEN_EXPIRED for an expired
        one)."""
        if is_api_token(token):
            return await ApiTokens(self.rt).principal(token)  # type: ignore[arg-type]
        row = await self.resolve_with_account(token)
        if row is None:
            return None
        session, account = row.session, row.account
        roles: tuple[str, ...] = ()
        if session.subject_kind == SubjectKind.STAFF:
            if not isinstance(account, StaffAccount) or not account.active:
                return None
            roles = tuple(account.roles)
        return principal_of(session, roles, account, row.grant_chain, row.grant_facts)
