"""Whether an authorization still stands: the one check behind every token use (BRIEF-OIDC's revocation rule).

Nothing is cached: the authorization, its client, the uidp session it rests on, the subject (and for a proxy
session the agent and the grant chain) are read at every refresh, userinfo and introspection call, so a
revocation written by any worker (a logout, a cancellation, a consent withdrawn, a grant ended) holds at once
everywhere. Back-channel logout and security events only tell clients what this already enforces.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from uidp.domain.accounts import SubjectKind
from uidp.models.entity import Entity, EntityStatus
from uidp.models.oidc import OidcAuthorization, OidcClient
from uidp.models.person import Person, PersonStatus
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.auth.grant_use import still_holds


class Fall(StrEnum):
    """Why an authorization no longer stands (recorded as ``revoked_reason`` where it is the cause)."""

    REVOKED = "revoked"
    EXPIRED = "expired"
    CLIENT_DISABLED = "client_disabled"
    SESSION_ENDED = "session_ended"
    SUBJECT_GONE = "subject_gone"  # cancelled (erased), or no longer active
    GRANT_ENDED = "grant_ended"  # a proxy session's grant (or one above it) is no longer in force


async def why_fallen(rt: Runtime, authorization: OidcAuthorization, client: OidcClient | None = None) -> Fall | None:
    """None while the authorization stands; otherwise the first reason it does not.

    The uidp session counts as ended when it was revoked or passed its absolute end; an idle uidp session does
    not end the connected system's authorization (its user is active there, not here), and the authorization's
    own ``expires_at`` is capped by the session's end when it is made.
    """
    now = rt.clock.now()
    if authorization.revoked_at is not None:
        return Fall.REVOKED
    if now >= authorization.expires_at:
        return Fall.EXPIRED
    if client is None or client.id != authorization.client_id:
        client = await OidcClient.get_or_none(id=authorization.client_id)
    if client is None or client.disabled_at is not None:
        return Fall.CLIENT_DISABLED
    if authorization.session_id is not None:
        session = await Session.get_or_none(id=authorization.session_id).only("id", "revoked_at", "expires_at")
        if session is None or session.revoked_at is not None or now >= session.expires_at:
            return Fall.SESSION_ENDED
    if not await _subject_stands(authorization.subject_kind, authorization.subject_id):
        return Fall.SUBJECT_GONE
    if authorization.actor_id is not None and not await _subject_stands(SubjectKind.PERSON, authorization.actor_id):
        return Fall.SUBJECT_GONE
    if authorization.grant_id is not None and not await _grant_holds(rt, authorization):
        return Fall.GRANT_ENDED
    return None


async def _subject_stands(kind: str, subject_id: uuid.UUID) -> bool:
    if kind == SubjectKind.PERSON:
        return await Person.filter(id=subject_id, status=PersonStatus.ACTIVE).exists()
    if kind == SubjectKind.ENTITY:
        return await Entity.filter(id=subject_id, status=EntityStatus.ACTIVE).exists()
    return False


async def _grant_holds(rt: Runtime, authorization: OidcAuthorization) -> bool:
    """The grant chain is in force now and still joins this agent to this entity: the proxy session's own rule
    (``grant_use.still_holds``), asked about the authorization's grant, entity and agent."""
    probe = Session(
        grant_id=authorization.grant_id, subject_id=authorization.subject_id, actor_id=authorization.actor_id
    )
    return await still_holds(rt, probe)
