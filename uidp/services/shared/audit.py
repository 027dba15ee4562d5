"""Writes security events to the audit log and tells ``on_event`` observers (A3)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from uidp.domain.accounts import SubjectKind
from uidp.events import Event
from uidp.models.audit import AuditEvent
from uidp.observability.metrics import count_event
from uidp.runtime import Runtime
from uidp.services.shared.principal import ClientInfo, Principal

log = logging.getLogger("uidp.audit")


class Audit:
    """Records events. Callers pass masked values only; the log line carries no details at all."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def record(
        self,
        event_type: str,
        *,
        outcome: str = "success",
        actor: Principal | None = None,
        subject: tuple[str, UUID | str] | None = None,
        client: ClientInfo | None = None,
        **details: Any,
    ) -> Event:
        if actor is not None and actor.label:
            details = {"actor": actor.label, **details}
        actor_kind, actor_id = (actor.kind, str(actor.id)) if actor else (None, None)
        if actor is not None and actor.actor_id is not None:
            # A person acting for the session's subject (a proxy agent): the person is the actor, and the
            # event names the account acted for, the role and the grant as well.
            actor_kind, actor_id = SubjectKind.PERSON, str(actor.actor_id)
            acting = {"acting_for": f"{actor.kind}:{actor.id}", "actor_role": actor.actor_role}
            if actor.grant_id is not None:
                acting["grant_id"] = str(actor.grant_id)
            details = {**acting, **details}
        event = Event(
            type=event_type,
            outcome=outcome,
            at=self.rt.clock.now(),
            actor_kind=actor_kind,
            actor_id=actor_id,
            subject_kind=subject[0] if subject else None,
            subject_id=str(subject[1]) if subject else None,
            client_address=client.masked_address if client else None,
            details=details,
        )
        await AuditEvent.create(
            at=event.at,
            event_type=event.type,
            outcome=event.outcome,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            subject_kind=event.subject_kind,
            subject_id=event.subject_id,
            client_address=event.client_address,
            details=dict(details),
        )
        log.info("audit %s %s subject=%s", event.type, event.outcome, event.subject_id or "-")
        count_event(event)
        self.rt.plugins.emit(event)
        return event
