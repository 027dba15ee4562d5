"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0, C3): when the uidp session an authorization
rests on ends, the authorization is revoked and its client is owed a logout token.

Sessions end in many places (logout, a password or phone change, appeal approvals, staff ending them, the
delegation cascade, cancellation). Rather than a call in each, the state is the trigger: an authorization whose
session has ended (or whose subject was cancelled) and whose ``logout_sent_at`` is empty is owed a logout.
:func:`stage_logouts` finds such authorizations, revokes them and writes one logout per authorization (its id is
the ``sid`` the client's ID tokens carried) into the outbox, marking ``logout_sent_at`` in the same transaction
(from then on the outbox row records delivery or giving up). It runs when ``Sessions`` announces an end (store
pub/sub, every worker) and periodically, so an end written while no sender listened is still found after a
restart.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc_events import AuthorizationEnd
from uidp.models.oidc import OidcAuthorization, OidcClient
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.oidc.outbox import DeliveryKind, enqueue
from uidp.services.shared.audit import Audit

STAGE_BATCH = 500  # authorizations staged per pass; the next pass takes the rest
# Authorizations that ended longer ago than this are not looked at again: every authorization ends with its
# session (absolute timeout 12 h), so a session that ends after this has nothing left to log out.
LOOK_BACK = timedelta(days=1)


@dataclass
class Staged:
    """One staging pass: authorizations revoked, logouts written to the outbox, and authorizations whose client
    has no back-channel logout URI (nothing to send)."""

    revoked: int = 0
    queued: int = 0
    nothing_to_send: int = 0

    @property
    def found(self) -> bool:
        return bool(self.revoked or self.queued or self.nothing_to_send)


def logout_key(client_id: uuid.UUID, authorization_id: uuid.UUID) -> str:
    """The outbox's dedupe key: one logout per authorization, whose id is the ``sid`` its ID tokens carried (two
    logins of one client on one uidp session are two sids at the client, and each is logged out)."""
    return f"logout:{client_id}:{authorization_id}"


async def stage_logouts(rt: Runtime, subject: tuple[str, uuid.UUID] | None = None) -> Staged:
    """Revoke the authorizations whose session ended and owe their clients a logout token; only those resting on
    ``subject``'s sessions when given. Idempotent: a second pass finds nothing."""
    now = rt.clock.now()
    ended_sessions = Session.filter(revoked_at__isnull=False)
    owed = OidcAuthorization.filter(logout_sent_at__isnull=True, expires_at__gt=now - LOOK_BACK)
    if subject is not None:
        kind, subject_id = subject
        ended_sessions = ended_sessions.filter(subject_kind=kind, subject_id=subject_id)
        owed = owed.filter(subject_kind=kind, subject_id=subject_id)
    rows = (
        await owed.filter(session_id__in=Subquery(ended_sessions.values("id")))
        .order_by("created_at")
        .limit(STAGE_BATCH)
    )
    return await _stage(rt, rows, AuthorizationEnd.SESSION_ENDED)


async def revoke_for_cancellation(rt: Runtime, person_id: uuid.UUID) -> Staged:
    """P10: revoke every authorization of the person, and every proxy authorization the person held as an
    agent, and owe each client a logout. Joins the caller's transaction (the erasure deletes the sessions, so
    this cannot wait for :func:`stage_logouts`); wake the sender after the commit."""
    now = rt.clock.now()
    rows = await OidcAuthorization.filter(
        Q(subject_kind=SubjectKind.PERSON.value, subject_id=person_id) | Q(actor_id=person_id),
        logout_sent_at__isnull=True,
        expires_at__gt=now - LOOK_BACK,
    )
    staged = await _stage(rt, rows, AuthorizationEnd.CANCELLED)
    # Authorizations already logged out (or too old to log out) are revoked too, so none outlives the account.
    await OidcAuthorization.filter(
        Q(subject_kind=SubjectKind.PERSON.value, subject_id=person_id) | Q(actor_id=person_id),
        revoked_at__isnull=True,
    ).update(revoked_at=now, revoked_reason=AuthorizationEnd.CANCELLED.value)
    return staged


async def _stage(rt: Runtime, rows: list[OidcAuthorization], reason: AuthorizationEnd) -> Staged:
    """Revoke ``rows`` (those still live, with ``reason``), write one logout per authorization into the outbox
    for clients with a back-channel logout URI, and mark them all as logged out."""
    staged = Staged()
    if not rows:
        return staged
    now = rt.clock.now()
    clients = {client.id: client for client in await OidcClient.filter(id__in={row.client_id for row in rows})}
    async with in_transaction():
        live = [row for row in rows if row.revoked_at is None]
        if live:
            staged.revoked = await OidcAuthorization.filter(
                id__in=[row.id for row in live], revoked_at__isnull=True
            ).update(revoked_at=now, revoked_reason=reason.value)
            await _audit_revoked(rt, live, reason)
        for row in rows:
            client = clients.get(row.client_id)
            if client is None or not client.backchannel_logout_uri:
                staged.nothing_to_send += 1
                continue
            payload = {
                "subject_kind": row.subject_kind,
                "subject_id": str(row.subject_id),
                "session_id": str(row.session_id) if row.session_id else None,
                "authorization_id": str(row.id),  # the sid of its ID tokens (claims.sid_of)
            }
            if await enqueue(rt, DeliveryKind.LOGOUT, client.id, payload, dedupe_key=logout_key(client.id, row.id)):
                staged.queued += 1
        # Marked only if still unmarked: of two concurrent passes over one authorization, one stages it.
        await OidcAuthorization.filter(id__in=[row.id for row in rows], logout_sent_at__isnull=True).update(
            logout_sent_at=now
        )
    return staged


async def _audit_revoked(rt: Runtime, rows: list[OidcAuthorization], reason: AuthorizationEnd) -> None:
    """One audit event per subject: how many of its authorizations ended, for which clients (ids only)."""
    by_subject: dict[tuple[str, uuid.UUID], list[OidcAuthorization]] = defaultdict(list)
    for row in rows:
        by_subject[(row.subject_kind, row.subject_id)].append(row)
    for subject, group in by_subject.items():
        await Audit(rt).record(
            "oidc.authorizations_revoked",
            subject=subject,
            reason=reason.value,
            authorizations=len(group),
            clients=sorted({str(row.client_id) for row in group}),
        )
