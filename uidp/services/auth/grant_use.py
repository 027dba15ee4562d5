"""Which grant a proxy login rests on, and whether a proxy session's grant still carries it (E3).

Both go through the grants area's one rule for using a grant (``uidp.services.delegation.chains.check_grant_use``:
every link of the chain in force now, the item in the last grant's scope), so proxy login, every use of a
proxy session and the authorisation check agree. A proxy session's request checks the chain read with the
session itself (:func:`chain_held`), so it costs no query of its own. Imports models and the chain reader
only, so the session path (``sessions.py``) can ask without an import cycle.
"""

from __future__ import annotations

import uuid

from uidp.domain.delegation import GrantFacts, check_use
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.grant import Grant
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.delegation.chains import chain_facts, chain_of, check_grant_use

NO_GRANT = "您没有该单位的有效授权"
# When the agent holds several grants of the entity and none is usable, the refusal names the most telling.
_REFUSAL_ORDER = (
    ErrorCode.OUT_OF_SCOPE,
    ErrorCode.GRANT_NOT_STARTED,
    ErrorCode.GRANT_EXPIRED,
    ErrorCode.GRANT_CANCELLED,
)


def held_facts(rt: Runtime, session: Session, chain: tuple[Grant, ...]) -> tuple[GrantFacts, ...] | None:
    """The rules' view of ``chain`` (the session's grant and those above it, level 1 first, as read with the
    session in the same statement: ``session_lookup``) if it is in force now (every link), held by the
    session's agent, for its entity; None if not. The request's principal carries chain and facts, so the
    authorisation check judges the same chain again without reading or converting it again."""
    if session.grant_id is None or not chain or chain[-1].id != session.grant_id:
        return None
    facts = chain_facts(chain)
    try:
        check_use(facts, None, rt.clock.now())
    except DomainError:
        return None
    grant = chain[-1]
    return facts if grant.entity_id == session.subject_id and grant.grantee_id == session.actor_id else None


def chain_held(rt: Runtime, session: Session, chain: tuple[Grant, ...]) -> tuple[Grant, ...] | None:
    """``chain`` if :func:`held_facts` finds it in force, held by the session's agent, for its entity."""
    return chain if held_facts(rt, session, chain) is not None else None


async def held_chain(rt: Runtime, session: Session) -> tuple[Grant, ...] | None:
    """:func:`chain_held` on the chain of the session's grant read now (for a session read without it)."""
    if session.grant_id is None:
        return None
    try:
        chain = await chain_of(session.grant_id)
    except DomainError:
        return None
    return chain_held(rt, session, chain)


async def still_holds(rt: Runtime, session: Session) -> bool:
    """The session's grant is in force now (whole chain), held by the session's agent, for its entity."""
    return await held_chain(rt, session) is not None


async def choose_grant(rt: Runtime, entity_id: uuid.UUID | None, agent_id: uuid.UUID, item: str | None) -> Grant:
    """The grant a proxy login rests on: :func:`usable_chain`'s last grant, its refusal naming the form's field
    (``serviceItem`` for OUT_OF_SCOPE, else ``creditCode``)."""
    try:
        return (await usable_chain(rt, entity_id, agent_id, item))[-1]
    except DomainError as refusal:
        field = "serviceItem" if refusal.code == ErrorCode.OUT_OF_SCOPE else "creditCode"
        raise DomainError(refusal.code, refusal.message, field) from None


async def usable_chain(
    rt: Runtime, entity_id: uuid.UUID | None, person_id: uuid.UUID, item: str | None
) -> tuple[Grant, ...]:
    """The chain (level 1 first) of a grant of ``entity_id`` held by the person that is in force now and covers
    ``item`` (None: any of its items); among several, the one that runs longest.

    With none: NO_ACTIVE_GRANT when the person holds no grant of this entity at all (or there is no such
    entity: the answer is the same), else the most telling state of those held (OUT_OF_SCOPE,
    GRANT_NOT_STARTED, GRANT_EXPIRED, GRANT_CANCELLED).
    """
    if entity_id is None:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, NO_GRANT)
    held = await Grant.filter(entity_id=entity_id, grantee_id=person_id).order_by("-ends_at", "id")
    refusals: list[DomainError] = []
    now = rt.clock.now()
    for grant in held:
        try:
            return await check_grant_use(grant.id, item, now)
        except DomainError as refusal:
            refusals.append(refusal)
    if not refusals:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, NO_GRANT)
    telling = min(refusals, key=lambda refusal: _rank(refusal.code))
    raise DomainError(telling.code, telling.message)


def _rank(code: ErrorCode) -> int:
    return _REFUSAL_ORDER.index(code) if code in _REFUSAL_ORDER else len(_REFUSAL_ORDER)
