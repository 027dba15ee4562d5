"""The login pipeline's single-use values in the store: a started login's ``state`` and the binding ticket.

Both are 256-bit random values handed to one browser and bound to it: the store key is the value's SHA-256,
and the record keeps a keyed digest of the browser's login cookie (``uidp_login_browser``, set by
``startLogin`` / ``completeLogin``). A value presented by another browser is refused and left in place, so a
stranger who learned it can neither use it nor spend it for its owner; the right browser takes it
atomically (of concurrent takers exactly one gets it). Expiry is checked against the runtime clock as well as
by the store's TTL. Values a method asked the core to keep (a PKCE verifier) are sealed with the PII cipher.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.shared.pii import Pii

STATE_SECONDS = 600  # a partner's login page may ask for a password and an SMS code: ten minutes
MAX_VALUE_LENGTH = 128
KEPT_COLUMN = "login.state.kept"


@dataclass(frozen=True)
class StartedLogin:
    """What a state stands for: the method that started it and what that method asked the core to keep."""

    method: str
    kept: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingBinding:
    """What a binding ticket stands for: a partner's subject (by its blind index) waiting for an account.

    ``binding_id`` is the id the binding row will get, so ``display_enc`` is sealed for that row already.
    """

    method: str
    subject_kind: str
    subject_index: str
    binding_id: str
    display_enc: str | None = None
    claimed_index: str | None = None  # login index of an ID number the partner named: the account must hold it


def state_invalid() -> DomainError:
    return DomainError(ErrorCode.LOGIN_STATE_INVALID, "登录请求无效或已过期，请重新发起登录", "state")


def ticket_invalid() -> DomainError:
    return DomainError(ErrorCode.BINDING_TICKET_INVALID, "绑定凭证无效或已过期，请重新登录", "ticket")


def require_ticket(ticket: str | None) -> None:
    """An empty binding ticket is REQUIRED on ``ticket`` (one situation, one code), before anything is read."""
    if not (ticket or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "请先通过第三方登录获取绑定凭证", "ticket")


class _BrowserBound:
    """One kind of single-use value bound to a browser."""

    prefix = ""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _key(self, value: str) -> str:
        return f"{self.prefix}:{token_digest(value)}"

    def _browser(self, browser: str | None) -> str:
        return self.rt.blind.digest("login-browser", browser) if browser else ""

    async def _issue(self, browser: str, lifetime: int, record: dict[str, Any], value: str | None = None) -> datetime:
        if not browser:
            raise ValueError("a login value needs the browser it is bound to")
        now = self.rt.clock.now()
        record = {
            **record,
            "browser": self._browser(browser),
            "expires_at": (now + timedelta(seconds=lifetime)).isoformat(),
        }
        await self.rt.store.set(self._key(value or ""), json.dumps(record), lifetime)
        return now + timedelta(seconds=lifetime)

    async def _read(self, value: str | None, browser: str | None, invalid: DomainError) -> tuple[dict[str, Any], str]:
        value = (value or "").strip()
        if not value or len(value) > MAX_VALUE_LENGTH:
            raise invalid
        raw = await self.rt.store.get(self._key(value))
        if raw is None:
            raise invalid
        record = json.loads(raw)
        if not browser or not hmac.compare_digest(record["browser"], self._browser(browser)):
            raise invalid  # another browser's value: refused, and left for its owner
        if self.rt.clock.now() > datetime.fromisoformat(record["expires_at"]):
            raise invalid
        return record, raw

    async def _take(self, value: str | None, browser: str | None, invalid: DomainError) -> tuple[dict[str, Any], str]:
        record, raw = await self._read(value, browser, invalid)
        taken = await self.rt.store.take(self._key((value or "").strip()))
        if taken != raw:
            raise invalid
        return record, raw

    async def _put_back(self, value: str, raw: str) -> None:
        """Return a taken value that was not used (the request checked nothing), for what is left of its life."""
        left = datetime.fromisoformat(json.loads(raw)["expires_at"]) - self.rt.clock.now()
        if left.total_seconds() > 0:
            await self.rt.store.set_if_absent(self._key(value), raw, left.total_seconds())


class LoginStates(_BrowserBound):
    prefix = "login:state"

    def new_state(self) -> str:
        return new_token()

    async def issue(self, state: str, method: str, browser: str, lifetime: int, kept: dict[str, str]) -> datetime:
        """Store ``state`` for ``method`` and this browser; returns when it expires."""
        sealed = Pii(self.rt).seal(KEPT_COLUMN, token_digest(state), json.dumps(kept)) if kept else None
        return await self._issue(browser, lifetime, {"method": method, "kept": sealed}, state)

    async def take(self, state: str | None, method: str, browser: str | None) -> StartedLogin:
        """Use up the state; LOGIN_STATE_INVALID when unknown, used, expired, another browser's or another
        method's."""
        record, _ = await self._take(state, browser, state_invalid())
        if record["method"] != method:
            raise state_invalid()
        kept: dict[str, str] = {}
        if record["kept"]:
            kept = json.loads(Pii(self.rt).open(KEPT_COLUMN, token_digest(state or ""), record["kept"]))
        return StartedLogin(record["method"], kept)


class BindingTickets(_BrowserBound):
    prefix = "login:binding"

    async def issue(self, pending: PendingBinding, browser: str) -> tuple[str, datetime]:
        """A new ticket for ``pending``, bound to this browser, living ``UIDP_BINDING_TICKET_SECONDS``."""
        ticket = new_token()
        record = {
            "method": pending.method,
            "subject_kind": pending.subject_kind,
            "subject_index": pending.subject_index,
            "binding_id": pending.binding_id,
            "display_enc": pending.display_enc,
            "claimed_index": pending.claimed_index,
        }
        expires_at = await self._issue(browser, self.rt.settings.binding_ticket_seconds, record, ticket)
        return ticket, expires_at

    async def peek(self, ticket: str | None, browser: str | None) -> PendingBinding:
        """The live ticket of this browser, left in place (BINDING_TICKET_INVALID otherwise)."""
        record, _ = await self._read(ticket, browser, ticket_invalid())
        return _pending(record)

    async def take(self, ticket: str | None, browser: str | None) -> tuple[PendingBinding, str]:
        """Use up the ticket (BINDING_TICKET_INVALID otherwise); returns it with the raw record for
        :meth:`put_back`."""
        record, raw = await self._take(ticket, browser, ticket_invalid())
        return _pending(record), raw

    async def put_back(self, ticket: str, raw: str) -> None:
        await self._put_back(ticket, raw)


def _pending(record: dict[str, Any]) -> PendingBinding:
    return PendingBinding(
        record["method"],
        record["subject_kind"],
        record["subject_index"],
        record["binding_id"],
        record["display_enc"],
        record["claimed_index"],
    )
