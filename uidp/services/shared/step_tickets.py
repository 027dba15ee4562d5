"""Step tickets: the short-lived, single-use token that binds the steps of a multi-step flow together.

A flow (password recovery, the certificate and entity appeals, E1's representative, E7's contact change)
issues a ticket at its first step, bound to the flow and to the data its later steps need (whose account,
how it was proven), with a lifetime. The page holds the random token; the store holds the ticket under the
token's digest only. Later steps :meth:`StepTickets.read` it without spending it, so bad input keeps the
ticket and the form can be corrected (decision 13); the last step :meth:`StepTickets.spend`\\s it with the
store's atomic ``take``, so of concurrent requests presenting one ticket exactly one goes on and every other
answers STEP_INVALID. Values that are PII ride sealed for the ticket alone (``secrets``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.shared.pii import Pii

MAX_TOKEN_LENGTH = 128  # tokens are 43 characters; anything much longer is not one of ours
_SECRETS = "sealed"


@dataclass(frozen=True)
class IssuedTicket:
    """What the first step hands to the page: the token and when it stops working."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class StepTicket:
    """A live ticket as a later step reads it: its data, with its secrets opened.

    ``key`` names the ticket in the store (the token's digest, never the token).
    """

    key: str
    data: dict[str, Any]
    sealed: dict[str, str] = field(default_factory=dict, repr=False)


class StepTickets:
    """The tickets of one ``flow``; each lives ``seconds`` and answers ``invalid`` once spent or expired."""

    def __init__(self, rt: Runtime, flow: str, *, seconds: int, invalid: str) -> None:
        self.rt = rt
        self.flow = flow
        self.seconds = seconds
        self.invalid = invalid

    async def issue(self, data: Mapping[str, Any], *, secrets: Mapping[str, str] | None = None) -> IssuedTicket:
        """Store a new ticket bound to this flow with ``data`` (JSON values) and ``secrets`` (sealed)."""
        token = new_token()
        key = self._key(token)
        record = dict(data)
        if secrets:
            pii = Pii(self.rt)
            record[_SECRETS] = {name: pii.seal(self._column(name), key, value) for name, value in secrets.items()}
        await self.rt.store.set(key, json.dumps(record), self.seconds)
        return IssuedTicket(token, self.rt.clock.now() + timedelta(seconds=self.seconds))

    async def read(self, token: str | None) -> StepTicket:
        """The live ticket, not spent; STEP_INVALID (field ``ticket``) if unknown, spent or expired."""
        key = self._checked_key(token)
        return self._ticket(key, await self.rt.store.get(key))

    async def spend(self, token: str | None) -> StepTicket:
        """Take the ticket for good: of concurrent spenders exactly one gets it, the others STEP_INVALID.

        Call it last, inside the transaction of what the ticket allows, so that a losing request writes
        nothing (its transaction rolls back) and a refusal before it keeps the ticket for a corrected form.
        """
        key = self._checked_key(token)
        return self._ticket(key, await self.rt.store.take(key))

    async def advance(self, ticket: StepTicket, data: Mapping[str, Any]) -> None:
        """Replace a live ticket's data (the step reached), keeping its secrets and its original expiry.

        STEP_INVALID if the ticket was spent or expired meanwhile: a spent ticket never comes back.
        """
        record = {**data, _SECRETS: ticket.sealed} if ticket.sealed else dict(data)
        if not await self.rt.store.replace(ticket.key, json.dumps(record)):
            raise self._refusal()

    def _key(self, token: str) -> str:
        return f"{self.flow}:ticket:{token_digest(token)}"

    def _column(self, name: str) -> str:
        return f"{self.flow}-ticket.{name}"

    def _checked_key(self, token: str | None) -> str:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise self._refusal()
        return self._key(token)

    def _ticket(self, key: str, stored: str | None) -> StepTicket:
        if stored is None:
            raise self._refusal()
        record: dict[str, Any] = json.loads(stored)
        sealed: dict[str, str] = record.pop(_SECRETS, {})
        if sealed:
            pii = Pii(self.rt)
            record.update({name: pii.open(self._column(name), key, value) for name, value in sealed.items()})
        return StepTicket(key, record, sealed)

    def _refusal(self) -> DomainError:
        return DomainError(ErrorCode.STEP_INVALID, self.invalid, "ticket")
