"""The login pipeline's single-use values in the store: a started login's ``state`` and the binding ticket.

Both are 256-bit random values handed to one browser and bound to it: browser-bound step tickets
(:mod:`uidp.services.shared.step_tickets`) over the browser's login cookie (``uidp_login_browser``, set by
``startLogin`` / ``completeLogin``). A value presented by another browser is refused and left in place, so a
stranger who learned it can neither use it nor spend it for its owner; the right browser takes it
atomically (of concurrent takers exactly one gets it). Values a method asked the core to keep (a PKCE
verifier) are sealed with the PII cipher.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.security.blind_index import Lookup
from uidp.security.tokens import new_token
from uidp.services.shared.step_tickets import StepTicket, StepTickets

STATE_SECONDS = 600  # a partner's login page may ask for a password and an SMS code: ten minutes
KEPT = "kept"


@dataclass(frozen=True)
class StartedLogin:
    """What a state stands for: the method that started it and what that method asked the core to keep."""

    method: str
    kept: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingBinding:
    """What a binding ticket stands for: a partner's subject (by its blind index) waiting for an account.

    ``binding_id`` is the id the binding row will get, so ``display_enc`` and ``subject_enc`` are sealed for that
    row already.
    """

    method: str
    subject_kind: str
    subject_index: str
    binding_id: str
    display_enc: str | None = None
    claimed_index: Lookup | None = None  # login index of an ID number the partner named: the account must hold it
    subject_enc: str | None = None  # the subject sealed for binding_id (Bindings.seal_subject)


STATE_INVALID = "登录请求无效或已过期，请重新发起登录"
TICKET_INVALID = "绑定凭证无效或已过期，请重新登录"


def state_invalid() -> DomainError:
    return DomainError(ErrorCode.LOGIN_STATE_INVALID, STATE_INVALID, "state")


def ticket_invalid() -> DomainError:
    return DomainError(ErrorCode.BINDING_TICKET_INVALID, TICKET_INVALID, "ticket")


def require_ticket(ticket: str | None) -> None:
    """An empty binding ticket is REQUIRED on ``ticket`` (one situation, one code), before anything is read."""
    if not (ticket or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "请先通过第三方登录获取绑定凭证", "ticket")


class _StateRecords(StepTickets):
    def _refusal(self) -> DomainError:
        return state_invalid()


class _BindingRecords(StepTickets):
    def _refusal(self) -> DomainError:
        return ticket_invalid()


class LoginStates:
    """A started login's ``state``: the method that started it, what it asked to keep, this browser only."""

    def __init__(self, rt: Runtime) -> None:
        self.tickets = _StateRecords(rt, "login:state", seconds=STATE_SECONDS, invalid=STATE_INVALID)

    def new_state(self) -> str:
        return new_token()

    async def issue(self, state: str, method: str, browser: str, lifetime: int, kept: dict[str, str]) -> datetime:
        """Store ``state`` for ``method`` and this browser; returns when it expires."""
        secrets = {KEPT: json.dumps(kept)} if kept else None
        issued = await self.tickets.issue(
            {"method": method}, secrets=secrets, token=state, seconds=lifetime, browser=browser
        )
        return issued.expires_at

    async def take(self, state: str | None, method: str, browser: str | None) -> StartedLogin:
        """Use up the state; LOGIN_STATE_INVALID when unknown, used, expired, another browser's or another
        method's."""
        taken = await self.tickets.spend(state, browser=browser or None)
        if taken.data["method"] != method:
            raise state_invalid()
        kept: dict[str, str] = json.loads(taken.data[KEPT]) if KEPT in taken.data else {}
        return StartedLogin(taken.data["method"], kept)


class BindingTickets:
    """A binding ticket: a partner's subject waiting for an account, this browser only."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.tickets = _BindingRecords(
            rt, "login:binding", seconds=rt.settings.binding_ticket_seconds, invalid=TICKET_INVALID
        )

    async def issue(self, pending: PendingBinding, browser: str) -> tuple[str, datetime]:
        """A new ticket for ``pending``, bound to this browser, living ``UIDP_BINDING_TICKET_SECONDS``."""
        record = {
            "method": pending.method,
            "subject_kind": pending.subject_kind,
            "subject_index": pending.subject_index,
            "binding_id": pending.binding_id,
            "display_enc": pending.display_enc,
            "claimed_index": list(pending.claimed_index.digests) if pending.claimed_index else None,
            "subject_enc": pending.subject_enc,
        }
        issued = await self.tickets.issue(record, browser=browser)
        return issued.token, issued.expires_at

    async def peek(self, ticket: str | None, browser: str | None) -> PendingBinding:
        """The live ticket of this browser, left in place (BINDING_TICKET_INVALID otherwise)."""
        return _pending((await self.tickets.read(ticket, browser=browser or None)).data)

    async def take(self, ticket: str | None, browser: str | None) -> tuple[PendingBinding, StepTicket]:
        """Use up the ticket (BINDING_TICKET_INVALID otherwise); returns it with the taken ticket for
        :meth:`put_back`."""
        taken = await self.tickets.spend(ticket, browser=browser or None)
        return _pending(taken.data), taken

    async def put_back(self, taken: StepTicket) -> None:
        await self.tickets.put_back(taken)


def _pending(record: dict[str, Any]) -> PendingBinding:
    return PendingBinding(
        record["method"],
        record["subject_kind"],
        record["subject_index"],
        record["binding_id"],
        record["display_enc"],
        _claimed(record["claimed_index"]),
        record.get("subject_enc"),  # None in a ticket issued before 0012: the row gets it at the next login
    )


def _claimed(stored: list[str] | str | None) -> Lookup | None:
    """The claimed number's digests (a ticket issued before the blind index could rotate kept one string)."""
    if not stored:
        return None
    return Lookup((stored,) if isinstance(stored, str) else tuple(stored))
