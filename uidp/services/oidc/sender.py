"""Sending what the outbox owes (C3): each due :class:`OidcDelivery` POSTed to its client, retried with backoff.

- A logout goes to the client's ``backchannel_logout_uri`` as ``application/x-www-form-urlencoded``
  ``logout_token=...`` (Back-Channel Logout 1.0 §2.5); a security event to its ``event_uri`` as
  ``application/secevent+jwt`` (RFC 8935 §2). Any 2xx is delivered; anything else (another status, a redirect,
  a timeout, a refused connection) is retried after 30 s, 60 s, 120 s, ... (at most an hour), and given up
  after :data:`MAX_ATTEMPTS`. ``last_error`` holds the status or the error's class, never a body.
- A row is **claimed** before it is sent, by one conditional UPDATE (its ``attempts`` as read, still pending,
  still due), which also pushes ``next_attempt_at`` on by :data:`LEASE_SECONDS`: of two senders that read the
  same row, one claims it and the other passes it over, and a sender that dies after claiming leaves the row
  due again once the lease has run out.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import httpx

from uidp.models.oidc import OidcClient
from uidp.models.oidc_delivery import OidcDelivery
from uidp.runtime import Runtime
from uidp.services.oidc.event_tokens import logout_token, security_event_token
from uidp.services.oidc.outbox import DeliveryKind, DeliveryState
from uidp.services.shared.audit import Audit

log = logging.getLogger("uidp.oidc.outbox")

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600
LEASE_SECONDS = 120  # a claimed row is due again this long after its claim if nothing was recorded
BATCH = 200  # rows sent per pass; the next pass takes the rest
CONCURRENCY = 8  # requests in flight at once within a pass


@dataclass
class Sent:
    """One sending pass: rows delivered, failed (to be retried), given up, and claimed by another sender."""

    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    lost_claims: int = 0

    @property
    def found(self) -> bool:
        return bool(self.delivered or self.failed or self.given_up)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s doubled each time, at most an hour."""
    return timedelta(seconds=min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


class OutboxSender:
    """Claims due rows and POSTs their tokens; ``transport`` is for tests that want no network."""

    def __init__(self, rt: Runtime, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.rt = rt
        self.transport = transport

    async def send_due(self, limit: int = BATCH) -> Sent:
        """Send every row due now (up to ``limit``), each by the one sender that claimed it."""
        now = self.rt.clock.now()
        due = (
            await OidcDelivery.filter(state=DeliveryState.PENDING.value, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "created_at")
            .limit(limit)
        )
        sent = Sent()
        if not due:
            return sent
        clients = {row.id: row for row in await OidcClient.filter(id__in={row.client_id for row in due})}
        gate = asyncio.Semaphore(CONCURRENCY)
        timeout = httpx.Timeout(float(self.rt.settings.oidc_delivery_timeout_seconds))
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=self.transport) as http:

            async def one(row: OidcDelivery) -> None:
                async with gate:
                    await self._one(http, row, clients.get(row.client_id), sent)

            await asyncio.gather(*(one(row) for row in due))
        return sent

    async def _one(self, http: httpx.AsyncClient, row: OidcDelivery, client: OidcClient | None, sent: Sent) -> None:
        if not await self._claim(row):
            sent.lost_claims += 1
            return
        target = _target(row, client)
        if client is None or target is None:
            await self._finish(row, DeliveryState.GIVEN_UP, "client disabled, removed or without a URI", sent)
            return
        try:
            error = await self._post(http, row, client, target)
        except Exception as failure:  # a bug in making the token must not stop the other rows
            log.exception("oidc delivery %s could not be made", row.id)
            error = type(failure).__name__
        if error is None:
            await self._finish(row, DeliveryState.DELIVERED, None, sent)
        elif row.attempts >= MAX_ATTEMPTS:
            await self._finish(row, DeliveryState.GIVEN_UP, error, sent)
        else:
            retry_at = self.rt.clock.now() + retry_delay(row.attempts)
            await OidcDelivery.filter(id=row.id, attempts=row.attempts, state=DeliveryState.PENDING.value).update(
                next_attempt_at=retry_at, last_error=error[:100]
            )
            sent.failed += 1

    async def _claim(self, row: OidcDelivery) -> bool:
        """One conditional UPDATE: this sender's attempt, or False when another sender claimed the row first."""
        now = self.rt.clock.now()
        claimed = await OidcDelivery.filter(
            id=row.id, state=DeliveryState.PENDING.value, attempts=row.attempts, next_attempt_at__lte=now
        ).update(attempts=row.attempts + 1, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
        if claimed:
            row.attempts += 1
        return bool(claimed)

    async def _post(self, http: httpx.AsyncClient, row: OidcDelivery, client: OidcClient, target: str) -> str | None:
        """POST the row's token; None when answered 2xx, else what went wrong (a status or an error class)."""
        if row.kind == DeliveryKind.LOGOUT.value:
            body = urlencode({"logout_token": await logout_token(self.rt, client, row)})
            headers = {"content-type": "application/x-www-form-urlencoded"}
        else:
            body = await security_event_token(self.rt, client, row)
            headers = {"content-type": "application/secevent+jwt", "accept": "application/json"}
        try:
            answer = await http.post(target, content=body.encode("ascii"), headers=headers)
        except httpx.HTTPError as error:
            return type(error).__name__
        return None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"

    async def _finish(self, row: OidcDelivery, state: DeliveryState, error: str | None, sent: Sent) -> None:
        now = self.rt.clock.now()
        await OidcDelivery.filter(id=row.id, attempts=row.attempts, state=DeliveryState.PENDING.value).update(
            state=state.value, finished_at=now, last_error=error[:100] if error else None
        )
        if state == DeliveryState.DELIVERED:
            sent.delivered += 1
            return
        sent.given_up += 1
        log.warning("oidc delivery given up", extra={"fields": {"delivery": str(row.id), "error": error}})
        await Audit(self.rt).record(
            "oidc.delivery_given_up",
            outcome="failure",
            delivery_id=str(row.id),
            kind=row.kind,
            client_ref=str(row.client_id),
            attempts=row.attempts,
            error=(error or "")[:100],
        )


def _target(row: OidcDelivery, client: OidcClient | None) -> str | None:
    """Where the row goes: the client's URI for its kind, unless the client is disabled or has none now."""
    if client is None or client.disabled_at is not None:
        return None
    if row.kind == DeliveryKind.LOGOUT.value:
        return client.backchannel_logout_uri or None
    return client.event_uri or None
