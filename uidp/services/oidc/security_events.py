"""Security events owed to connected systems (C3, issue 12 item 6): account cancellation, level change, grant
revoked, each written into the outbox in the transaction of the change, for every system that subscribed to
the event (``OidcClient.event_types``, with an ``event_uri``) and knows the subject.

A system knows a subject when it holds a consent of the subject's (not withdrawn) or an authorization for it
that ended less than :data:`~uidp.services.oidc.backchannel.LOOK_BACK` ago; for a grant, when it holds a proxy
authorization resting on that grant. The row holds ids, levels and codes; the token is made at each attempt
(:mod:`uidp.services.oidc.event_tokens`). Callers wake the sender after their commit
(:func:`~uidp.services.oidc.outbox.wake`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from uidp.domain.oidc_events import LEVEL_NAMESPACE, SecurityEventType
from uidp.models.oidc import OidcAuthorization, OidcClient, OidcConsent
from uidp.runtime import Runtime
from uidp.services.oidc.backchannel import LOOK_BACK
from uidp.services.oidc.claims import epoch
from uidp.services.oidc.outbox import DeliveryKind, enqueue

Subject = tuple[str, uuid.UUID]


def level_acr(level: int) -> str:
    return f"{LEVEL_NAMESPACE}:{int(level)}"


async def subscribers(rt: Runtime, event_type: SecurityEventType, client_ids: Iterable[uuid.UUID]) -> list[OidcClient]:
    """Of ``client_ids``, the enabled systems that subscribed to ``event_type`` and have an event URI."""
    wanted = set(client_ids)
    if not wanted:
        return []
    rows = await OidcClient.filter(id__in=wanted, event_uri__isnull=False, disabled_at__isnull=True)
    return [row for row in rows if row.event_uri and event_type.value in (row.event_types or [])]


async def knowing(rt: Runtime, subject: Subject) -> set[uuid.UUID]:
    """The systems that know ``subject``: a live consent, or an authorization not long ended."""
    kind, subject_id = subject
    since = rt.clock.now() - LOOK_BACK
    consents = await OidcConsent.filter(subject_kind=kind, subject_id=subject_id, revoked_at__isnull=True).values_list(
        "client_id", flat=True
    )
    authorized = await OidcAuthorization.filter(
        subject_kind=kind, subject_id=subject_id, expires_at__gt=since
    ).values_list("client_id", flat=True)
    return {*consents, *authorized}


async def _owe(
    rt: Runtime,
    event_type: SecurityEventType,
    clients: Iterable[OidcClient],
    subject: Subject,
    event: dict[str, Any],
    key: str,
    agent_id: uuid.UUID | None = None,
) -> int:
    owed = 0
    for client in clients:
        payload: dict[str, Any] = {
            "event_type": event_type.value,
            "subject_kind": subject[0],
            "subject_id": str(subject[1]),
            "event": event,
        }
        if agent_id is not None:
            payload["agent_id"] = str(agent_id)
        if await enqueue(rt, DeliveryKind.EVENT, client.id, payload, dedupe_key=f"event:{key}:{client.id}"):
            owed += 1
    return owed


async def owe_account_cancelled(rt: Runtime, person_id: uuid.UUID) -> int:
    """RISC account-purged to each subscribed system that knows the person; call before the erasure, in its
    transaction (it reads the consents and authorizations the erasure removes)."""
    subject: Subject = ("person", person_id)
    clients = await subscribers(rt, SecurityEventType.ACCOUNT_CANCELLED, await knowing(rt, subject))
    return await _owe(rt, SecurityEventType.ACCOUNT_CANCELLED, clients, subject, {}, f"cancelled:{person_id}")


async def owe_level_changed(rt: Runtime, subject: Subject, previous: int, current: int) -> int:
    """CAEP assurance-level-change to each subscribed system that knows the subject (nothing if unchanged)."""
    if int(previous) == int(current):
        return 0
    clients = await subscribers(rt, SecurityEventType.LEVEL_CHANGED, await knowing(rt, subject))
    now = epoch(rt.clock.now())
    event = {
        "namespace": LEVEL_NAMESPACE,
        "current_level": level_acr(current),
        "previous_level": level_acr(previous),
        "change_direction": "increase" if current > previous else "decrease",
        "event_timestamp": now,
    }
    key = f"level:{uuid.uuid4().hex}"  # every change is its own event (the client is added per row)
    return await _owe(rt, SecurityEventType.LEVEL_CHANGED, clients, subject, event, key)


async def owe_grants_revoked(rt: Runtime, ended: dict[uuid.UUID, str]) -> int:
    """``urn:uidp:secevent:grant-revoked`` for each ended grant (id: reason) to each subscribed system holding a
    proxy authorization resting on it: the entity as subject, the agent as the client's ``act.sub`` named them."""
    if not ended:
        return 0
    since = rt.clock.now() - LOOK_BACK
    rows = await OidcAuthorization.filter(grant_id__in=list(ended), expires_at__gt=since).order_by("created_at")
    subscribed = await subscribers(rt, SecurityEventType.GRANT_REVOKED, {row.client_id for row in rows})
    clients = {client.id: client for client in subscribed}
    owed, seen = 0, set[tuple[uuid.UUID, uuid.UUID]]()
    now = epoch(rt.clock.now())
    for row in rows:
        client = clients.get(row.client_id)
        if client is None or row.grant_id is None or (row.client_id, row.grant_id) in seen:
            continue
        seen.add((row.client_id, row.grant_id))
        event = {"reason": str(ended[row.grant_id]), "event_timestamp": now}
        subject: Subject = (row.subject_kind, row.subject_id)
        key = f"grant:{row.grant_id}"
        owed += await _owe(rt, SecurityEventType.GRANT_REVOKED, [client], subject, event, key, row.actor_id)
    return owed
