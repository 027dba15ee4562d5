"""The cascade (E9): ending grants ends everything below them and every proxy session resting on any of them.

One transaction writes the grants' end, their history lines and the sessions' revocation; the sessions' end
is announced (the ``sessionEnded`` subscription, every worker) only after that transaction commits, so a
watcher that wakes up reads the session already ended. Callers that end grants inside their own transaction
(E8's change of representative, P10's cancellation) call :meth:`Cascade.end_within` there and
:meth:`Ended.announce` after their commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from uidp.domain.delegation import EndReason, GrantFacts, GrantState, descendants
from uidp.models.grant import Grant, GrantRecord
from uidp.runtime import Runtime
from uidp.services.auth.sessions import Sessions, announce_ended
from uidp.services.delegation.chains import facts_of
from uidp.services.oidc.outbox import wake
from uidp.services.oidc.security_events import owe_grants_revoked


@dataclass
class Ended:
    """What one cascade ended: grant ids with their reasons, and the subjects whose proxy sessions ended."""

    grants: dict[uuid.UUID, EndReason] = field(default_factory=dict)
    sessions: int = 0
    subjects: set[tuple[str, uuid.UUID]] = field(default_factory=set)
    events_owed: int = 0  # grant-revoked security events written to the outbox for connected systems

    async def announce(self, rt: Runtime) -> None:
        """Wake the ended sessions' watchers (and the outbox's sender when events are owed); call after the
        transaction that ended them committed."""
        for kind, subject_id in sorted(self.subjects, key=str):
            await announce_ended(rt, kind, subject_id)
        if self.events_owed:
            await wake(rt)


class Cascade:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def end(
        self, ends: Sequence[tuple[Grant | GrantFacts, EndReason]], *, actor: tuple[str, uuid.UUID] | None
    ) -> Ended:
        """End ``ends`` (each with its reason) and everything below them, in one transaction; then announce."""
        async with in_transaction():
            ended = await self.end_within(ends, actor=actor)
        await ended.announce(self.rt)
        return ended

    async def end_within(
        self, ends: Sequence[tuple[Grant | GrantFacts, EndReason]], *, actor: tuple[str, uuid.UUID] | None
    ) -> Ended:
        """The cascade's writes, joining the caller's transaction. Grants already ended are left as they are."""
        reasons: dict[uuid.UUID, EndReason] = {}
        for grant, reason in ends:
            reasons.setdefault(grant.id, reason)
        # Lock the ended grants before reading what lies below them: a grant made under one of them
        # concurrently either committed first (and is read here) or waits and then finds its parent ended.
        await Grant.filter(id__in=list(reasons)).select_for_update()
        for grant, _ in ends:
            for below in await self._descendants(grant):
                reasons.setdefault(below.id, EndReason.PARENT_ENDED)
        return await self._write(reasons, actor)

    async def end_all_of_entity(
        self, entity_id: uuid.UUID, reason: EndReason, *, actor: tuple[str, uuid.UUID]
    ) -> Ended:
        """Every grant of an entity (E8: a new legal representative); joins the caller's transaction."""
        grants = await Grant.filter(entity_id=entity_id, state=GrantState.ACTIVE)
        return await self._write({grant.id: reason for grant in grants}, actor)

    async def end_for_person(self, person_id: uuid.UUID, *, actor: tuple[str, uuid.UUID]) -> Ended:
        """Every grant a person holds and everything below them, i.e. every grant they gave too (P10)."""
        held = await Grant.filter(grantee_id=person_id, state=GrantState.ACTIVE)
        return await self.end_within([(grant, EndReason.PERSON_CANCELLED) for grant in held], actor=actor)

    async def _descendants(self, grant: Grant | GrantFacts) -> list[GrantFacts]:
        root_id = grant.root_id if isinstance(grant, Grant) else await _root_of(grant.id)
        rows = await Grant.filter(root_id=root_id, depth__gt=grant.depth, state=GrantState.ACTIVE)
        children: dict[uuid.UUID, list[GrantFacts]] = defaultdict(list)
        for row in rows:
            if row.parent_id is not None:
                children[row.parent_id].append(facts_of(row))
        return descendants(children, grant.id)

    async def _write(self, reasons: dict[uuid.UUID, EndReason], actor: tuple[str, uuid.UUID] | None) -> Ended:
        ended = Ended()
        if not reasons:
            return ended
        now = self.rt.clock.now()
        by_reason: dict[EndReason, list[uuid.UUID]] = defaultdict(list)
        for grant_id, reason in reasons.items():
            by_reason[reason].append(grant_id)
        for reason, ids in by_reason.items():
            state = GrantState.EXPIRED if reason == EndReason.EXPIRED else GrantState.CANCELLED
            # Only grants still ACTIVE change: of two concurrent cascades over one grant, one writes its end.
            live = [row.id for row in await Grant.filter(id__in=ids, state=GrantState.ACTIVE).select_for_update()]
            changed = await Grant.filter(id__in=live, state=GrantState.ACTIVE).update(
                state=state, ended_at=now, end_reason=reason.value, updated_at=now
            )
            if not changed:
                continue
            for grant_id in live:
                ended.grants[grant_id] = reason
        if ended.grants:
            await GrantRecord.bulk_create(list(_records(ended.grants.items(), now, actor)))
            ended.sessions, subjects = await Sessions(self.rt).revoke_resting_on(list(ended.grants), "grant_ended")
            ended.subjects.update(subjects)
            # Connected systems holding a proxy authorization on one of them, and subscribed, are told (C3).
            ended.events_owed = await owe_grants_revoked(self.rt, dict(ended.grants))
        return ended


async def _root_of(grant_id: uuid.UUID) -> uuid.UUID:
    row = await Grant.get(id=grant_id).only("root_id")
    return row.root_id


def _records(
    ended: Iterable[tuple[uuid.UUID, EndReason]], now: object, actor: tuple[str, uuid.UUID] | None
) -> Iterable[GrantRecord]:
    for grant_id, reason in ended:
        yield GrantRecord(
            id=uuid.uuid4(),
            grant_id=grant_id,
            at=now,
            action={EndReason.EXPIRED: "expired", EndReason.CANCELLED: "cancelled"}.get(reason, "ended"),
            actor_kind=actor[0] if actor else "system",
            actor_id=actor[1] if actor else None,
            details={"reason": reason.value},
        )
