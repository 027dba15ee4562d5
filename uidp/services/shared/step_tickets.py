"""Step tickets: the short-lived, single-use token that binds the steps of a multi-step flow together.

A flow (password recovery, the certificate and entity appeals, E1's representative, E7's contact change, a
started partner login, a binding ticket, a scan ticket) issues a ticket at its first step, bound to the flow
and to the data its later steps need (whose account, how it was proven), with a lifetime. The page holds the
random token; the store holds the ticket under the token's digest only. Later steps :meth:`StepTickets.read`
it without spending it, so bad input keeps the ticket and the form can be corrected (decision 13); the last
step :meth:`StepTickets.spend`\\s it atomically, so of concurrent requests presenting one ticket exactly one
goes on and every other is refused. Values that are PII ride sealed for the ticket alone (``secrets``).

A ticket may also be bound to the browser that started the flow (``browser``, the login cookie): it is
stored as a keyed digest, and a ticket presented by another browser is refused and left in place, so a
stranger who learned the token can neither use it nor spend it for its owner. A state machine over a
ticket (the scan ticket) moves it with :meth:`StepTickets.move`, a compare-and-set: of concurrent moves
from one read, exactly one wins. Expiry is checked against the runtime clock as well as the store's TTL.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.shared.pii import Pii

MAX_TOKEN_LENGTH = 128  # tokens are 43 characters; anything much longer is not one of ours
_SECRETS = "sealed"
_BROWSER = "_browser"
_EXPIRES = "_expires"
ANY_BROWSER: Final = "*any-browser*"  # read by a server-side caller (a partner's callback), not by a browser


@dataclass(frozen=True)
class IssuedTicket:
    """What the first step hands to the page: the token and when it stops working."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class StepTicket:
    """A live ticket as a later step reads it: its data, with its secrets opened.

    ``key`` names the ticket in the store (the token's digest, never the token); ``raw`` is the stored
    record as read, what :meth:`StepTickets.move` and :meth:`StepTickets.put_back` compare against.
    """

    key: str
    data: dict[str, Any]
    sealed: dict[str, str] = field(default_factory=dict, repr=False)
    raw: str = field(default="", repr=False, compare=False)
    expires_at: datetime | None = None


class StepTickets:
    """The tickets of one ``flow``; each lives ``seconds`` and answers STEP_INVALID (``invalid`` on ``ticket``)
    once spent, expired, unknown or presented by another browser than the one it is bound to.

    A flow whose pages name the ticket otherwise (a login's ``state``) subclasses it and overrides
    :meth:`_refusal` with its own error.
    """

    def __init__(self, rt: Runtime, flow: str, *, seconds: int, invalid: str) -> None:
        self.rt = rt
        self.flow = flow
        self.seconds = seconds
        self.invalid = invalid

    async def issue(
        self,
        data: Mapping[str, Any],
        *,
        secrets: Mapping[str, str] | None = None,
        token: str | None = None,
        seconds: int | None = None,
        browser: str | None = None,
    ) -> IssuedTicket:
        """Store a ticket bound to this flow with ``data`` (JSON values) and ``secrets`` (sealed).

        ``token`` is made here unless given (a state the caller already handed to a method); ``seconds``
        overrides the flow's lifetime; ``browser`` binds the ticket to that login cookie.
        """
        token = token or new_token()
        lifetime = seconds or self.seconds
        expires_at = self.rt.clock.now() + timedelta(seconds=lifetime)
        key = self._key(token)
        record = dict(data)
        if secrets:
            pii = Pii(self.rt)
            record[_SECRETS] = {name: pii.seal(self._column(name), key, value) for name, value in secrets.items()}
        if browser is not None:
            if not browser:
                raise ValueError("a browser-bound ticket needs the browser it is bound to")
            record[_BROWSER] = self._browser(browser)
        record[_EXPIRES] = expires_at.isoformat()
        await self.rt.store.set(key, json.dumps(record), lifetime)
        return IssuedTicket(token, expires_at)

    async def read(self, token: str | None, *, browser: str | None = None) -> StepTicket:
        """The live ticket, not spent; refused if unknown, spent, expired or another browser's.

        A ticket bound to a browser needs that ``browser``; :data:`ANY_BROWSER` reads it for a server-side
        caller that has no browser (a partner's signed callback).
        """
        key = self._checked_key(token)
        return self._ticket(key, await self.rt.store.get(key), browser)

    async def spend(self, token: str | None, *, browser: str | None = None) -> StepTicket:
        """Take the ticket for good: of concurrent spenders exactly one gets it, the others are refused.

        Call it last, inside the transaction of what the ticket allows, so that a losing request writes
        nothing (its transaction rolls back) and a refusal before it keeps the ticket for a corrected form.
        Another browser's ticket is refused and stays where it is.
        """
        ticket = await self.read(token, browser=browser)
        if not await self.rt.store.compare_and_delete(ticket.key, ticket.raw):
            raise self._refusal()
        return ticket

    async def put_back(self, ticket: StepTicket) -> None:
        """Return a spent ticket that was not used (the request checked nothing), for what is left of its life."""
        left = (ticket.expires_at or self.rt.clock.now()) - self.rt.clock.now()
        if left.total_seconds() > 0:
            await self.rt.store.set_if_absent(ticket.key, ticket.raw, left.total_seconds())

    async def advance(self, ticket: StepTicket, data: Mapping[str, Any]) -> None:
        """Replace a live ticket's data (the step reached), keeping its secrets, binding and original expiry.

        Refused if the ticket was spent or expired meanwhile: a spent ticket never comes back.
        """
        if not await self.rt.store.replace(ticket.key, self._record(ticket, data, None)):
            raise self._refusal()

    async def move(
        self, ticket: StepTicket, data: Mapping[str, Any], *, secrets: Mapping[str, str] | None = None
    ) -> StepTicket | None:
        """Move the ticket from what was read to ``data`` (a compare-and-set, keeping its expiry); None if it
        changed, was spent or expired since ``ticket`` was read: of concurrent moves exactly one wins.

        ``secrets`` replaces the sealed values (an empty mapping drops them; None keeps them).
        """
        raw = self._record(ticket, data, secrets)
        if not await self.rt.store.compare_and_set(ticket.key, ticket.raw, raw):
            return None
        return self._ticket(ticket.key, raw, ANY_BROWSER)

    def _record(self, ticket: StepTicket, data: Mapping[str, Any], secrets: Mapping[str, str] | None) -> str:
        stored: dict[str, Any] = json.loads(ticket.raw) if ticket.raw else {}
        record = dict(data)
        if secrets is None:
            sealed = ticket.sealed
        else:
            pii = Pii(self.rt)
            sealed = {name: pii.seal(self._column(name), ticket.key, value) for name, value in secrets.items()}
        if sealed:
            record[_SECRETS] = sealed
        for reserved in (_BROWSER, _EXPIRES):
            if reserved in stored:
                record[reserved] = stored[reserved]
        return json.dumps(record)

    def _key(self, token: str) -> str:
        return f"{self.flow}:ticket:{token_digest(token)}"

    def _column(self, name: str) -> str:
        return f"{self.flow}-ticket.{name}"

    def _browser(self, browser: str) -> str:
        return self.rt.blind.digest("login-browser", browser)

    def _checked_key(self, token: str | None) -> str:
        token = (token or "").strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise self._refusal()
        return self._key(token)

    def _ticket(self, key: str, stored: str | None, browser: str | None) -> StepTicket:
        if stored is None:
            raise self._refusal()
        record: dict[str, Any] = json.loads(stored)
        bound = record.pop(_BROWSER, None)
        if bound is not None and browser != ANY_BROWSER and not _same(bound, browser and self._browser(browser)):
            raise self._refusal()  # another browser's ticket: refused, and left for its owner
        expires = record.pop(_EXPIRES, None)
        expires_at = datetime.fromisoformat(expires) if expires else None
        if expires_at is not None and self.rt.clock.now() > expires_at:
            raise self._refusal()
        sealed: dict[str, str] = record.pop(_SECRETS, {})
        if sealed:
            pii = Pii(self.rt)
            record.update({name: pii.open(self._column(name), key, value) for name, value in sealed.items()})
        return StepTicket(key, record, sealed, stored, expires_at)

    def _refusal(self) -> DomainError:
        return DomainError(ErrorCode.STEP_INVALID, self.invalid, "ticket")


def _same(bound: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(bound, presented or "")
