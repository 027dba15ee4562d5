"""Ending proxy sessions (E3): on the grants a cascade ends, and on a person's cancellation (P10).

A proxy session is a Session of the entity with ``actor_id`` = the agent, ``actor_role`` = ``agent`` and
``grant_id`` = the grant; ``grant_use.held_facts`` checks its grant at every use (``Sessions.resolve``). These
end such sessions at once when their grant or their agent goes, so a watcher (``sessionEnded``) hears it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tortoise.queryset import QuerySet

from uidp.domain.accounts import ActorRole
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.auth.sessions import announce_ended


class ProxySessions:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def end_for_agent(self, person_id: uuid.UUID, reason: str) -> int:
        """End every live proxy session the person holds (P10 cancellation); returns how many."""
        return await self._end(
            Session.filter(actor_id=person_id, actor_role=ActorRole.AGENT, revoked_at__isnull=True), reason
        )

    async def end_on_grants(self, grant_ids: Iterable[uuid.UUID], reason: str) -> int:
        """End every live session resting on these grants (a cancel, expiry or narrowing that ends them)."""
        ids = list(grant_ids)
        if not ids:
            return 0
        return await self._end(Session.filter(grant_id__in=ids, revoked_at__isnull=True), reason)

    async def _end(self, live: QuerySet[Session], reason: str) -> int:
        subjects = set(await live.values_list("subject_kind", "subject_id"))
        ended = await live.update(revoked_at=self.rt.clock.now(), revoked_reason=reason)
        for subject_kind, subject_id in subjects:
            await announce_ended(self.rt, subject_kind, subject_id)
        return int(ended)
