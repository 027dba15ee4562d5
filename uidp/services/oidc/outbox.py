"""The outbox of tokens owed to connected systems (C3): back-channel logout tokens and security event tokens.

What is owed is a row (:class:`~uidp.models.oidc_delivery.OidcDelivery`) written in the transaction that made it
owed, so a worker that stops before sending loses nothing; :mod:`uidp.services.oidc.deliveries` sends the rows,
one sender at a time across workers, and :func:`wake` tells it at once (store pub/sub) that there is work.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.models.oidc_delivery import OidcDelivery
from uidp.runtime import Runtime
from uidp.security.tokens import new_token

WAKE_CHANNEL = "oidc-outbox:wake"  # a message: "outbox" (rows are due) or "session:<kind>:<id>" (a session ended)


class DeliveryKind(StrEnum):
    LOGOUT = "logout"  # OpenID Connect Back-Channel Logout 1.0: a logout token to backchannel_logout_uri
    EVENT = "event"  # RFC 8417 security event token, pushed per RFC 8935 to event_uri


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GIVEN_UP = "given_up"


async def enqueue(
    rt: Runtime, kind: DeliveryKind, client_id: uuid.UUID, payload: dict[str, Any], *, dedupe_key: str | None = None
) -> bool:
    """Owe ``client_id`` a token of ``kind`` saying ``payload`` (ids only), due now. Joins the caller's
    transaction. With a ``dedupe_key`` already owed (or sent), nothing is added and the answer is False."""
    now = rt.clock.now()
    jti = new_token(16)
    try:
        async with in_transaction():  # a savepoint: a duplicate key leaves the caller's transaction usable
            await OidcDelivery.create(
                id=uuid.uuid4(),
                kind=kind.value,
                client_id=client_id,
                dedupe_key=dedupe_key or f"{kind.value}:{jti}",
                jti=jti,
                payload=payload,
                state=DeliveryState.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
    except IntegrityError:
        return False
    return True


async def wake(rt: Runtime, message: str = "outbox") -> None:
    """Tell the sender in every worker that there is work (after the commit that made it)."""
    await rt.store.publish(WAKE_CHANNEL, message)
