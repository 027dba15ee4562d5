"""The scan-ticket engine every scan channel uses (P5, P6, E6; docs/decisions.md #113-#118).

``startLogin`` of a scan method issues a ticket: an id (256 random bits) that the QR code carries to the
partner's app, and a secret that only the creating page holds. The store keeps the ticket under the id's
digest as a browser-bound step ticket (:mod:`uidp.services.shared.step_tickets`) with the secret's digest
only. The partner's signed callback moves it through :class:`ScanTicketEngine`'s calls: PENDING -> SCANNED
-> CONFIRMED | REJECTED, each a compare-and-set in the store (of concurrent moves from one state exactly one
wins), published on the ticket's channel so the page's subscription in any worker hears it at once. EXPIRED
comes by time and is computed on every read. A confirmed ticket carries the partner's assertion sealed and
is redeemed once, by its page (browser and secret), within ``REDEEM_SECONDS`` of the confirmation.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import HTTPConnection

from uidp.domain.errors import DomainError, ErrorCode
from uidp.ports import Assertion, ScanProgress, ScanStatus, ScanTicketEngine
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.step_tickets import ANY_BROWSER, StepTicket, StepTickets

DEFAULT_SECONDS = 120
MIN_SECONDS, MAX_SECONDS = 10, 600
REDEEM_SECONDS = 60  # from the confirmation in the app to the page's redemption
_GRACE_SECONDS = 30  # the record outlives its deadlines, so a late read says EXPIRED rather than unknown
FLOW = "login:scan"
_ASSERTION = "assertion"
_KEPT = "kept"
_MOVES: dict[ScanStatus, frozenset[ScanStatus]] = {  # the status a move needs -> where it may go
    ScanStatus.PENDING: frozenset({ScanStatus.SCANNED}),
    ScanStatus.SCANNED: frozenset({ScanStatus.CONFIRMED, ScanStatus.REJECTED}),
    ScanStatus.CONFIRMED: frozenset({ScanStatus.REDEEMED}),
}
_FINAL = frozenset({ScanStatus.REJECTED, ScanStatus.EXPIRED, ScanStatus.REDEEMED})


@dataclass(frozen=True)
class IssuedScanTicket:
    """What the page gets: the id (also in the QR code), its secret, and when it stops working."""

    ticket: str
    secret: str
    expires_at: datetime
    refresh_seconds: int | None


@dataclass(frozen=True)
class ScanTicketView:
    """A ticket as its page sees it (the status is EXPIRED once its deadline passed)."""

    ticket: str
    method: str
    status: ScanStatus
    expires_at: datetime
    refresh_seconds: int | None


INVALID = "扫码登录凭证无效，请刷新二维码"


def invalid() -> DomainError:
    return DomainError(ErrorCode.SCAN_TICKET_INVALID, INVALID, "id")


class _ScanRecords(StepTickets):
    def _refusal(self) -> DomainError:
        return invalid()


def channel(ticket: str) -> str:
    """The pub/sub channel of one ticket (named by the id's digest, like its key)."""
    return f"{FLOW}:events:{token_digest(ticket)}"


def lifetime_of(asked: int | None) -> int:
    """A method's asked lifetime, within 10 s .. 10 min (120 s when it asks nothing)."""
    return max(MIN_SECONDS, min(int(asked or DEFAULT_SECONDS), MAX_SECONDS))


class ScanTickets:
    """Issue, move, watch and redeem scan tickets; ``client`` is who calls (for the audit log)."""

    def __init__(self, rt: Runtime, client: ClientInfo | None = None) -> None:
        self.rt = rt
        self.client = client
        self.audit = Audit(rt)
        self.tickets = _ScanRecords(rt, FLOW, seconds=DEFAULT_SECONDS, invalid=INVALID)

    # -- the page's side ---------------------------------------------------------------------------------

    @staticmethod
    def new_id() -> str:
        return new_token()

    async def issue(
        self,
        ticket: str,
        method: str,
        browser: str,
        *,
        lifetime: int | None = None,
        refresh_seconds: int | None = None,
        kept: Mapping[str, str] | None = None,
    ) -> IssuedScanTicket:
        """A PENDING ticket ``ticket`` of ``method`` bound to this browser, with a new secret for the page."""
        seconds = lifetime_of(lifetime)
        secret = new_token()
        until = self.rt.clock.now() + timedelta(seconds=seconds)
        data = {
            "method": method,
            "status": ScanStatus.PENDING.value,
            "secret": token_digest(secret),
            "until": until.isoformat(),
            "refresh": refresh_seconds,
        }
        await self.tickets.issue(
            data,
            secrets={_KEPT: json.dumps(dict(kept))} if kept else None,
            token=ticket,
            seconds=seconds + REDEEM_SECONDS + _GRACE_SECONDS,
            browser=browser,
        )
        await self.audit.record("scan_ticket.issued", client=self.client, method=method, ticket=_ref(ticket))
        return IssuedScanTicket(ticket, secret, until, refresh_seconds)

    async def status(self, ticket: str | None, secret: str | None) -> ScanTicketView:
        """The ticket's status for the holder of its secret; SCAN_TICKET_INVALID (``id``) for an unknown
        ticket and a wrong secret alike, so a stranger learns nothing."""
        return _view(await self._own(ticket, secret), self.rt.clock.now(), ticket or "")

    async def watch(self, ticket: str | None, secret: str | None) -> AsyncIterator[ScanTicketView]:
        """The status now, then each change, until REJECTED, EXPIRED or REDEEMED (or the record is gone).

        Subscribes before reading, so no change published in between is missed; re-reads the store on each
        message (the store is the truth) and wakes at the ticket's deadline to say EXPIRED.
        """
        await self._own(ticket, secret)  # refuse before subscribing
        async with self.rt.store.subscribe(channel(ticket or "")) as subscription:
            nudged = asyncio.Event()

            async def listen() -> None:
                async for _ in subscription:
                    nudged.set()

            listener = asyncio.create_task(listen())
            try:
                last: ScanStatus | None = None
                while True:
                    nudged.clear()  # before reading: a nudge during the read is kept
                    now = self.rt.clock.now()
                    view = await self._reread(ticket or "", now)
                    if view.status != last:
                        last = view.status
                        yield view
                    if view.status in _FINAL:
                        return
                    wait = max(0.05, (_deadline(view) - now).total_seconds() + 0.05)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(nudged.wait(), timeout=wait)
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def redeem(self, ticket: str | None, secret: str | None, browser: str | None) -> tuple[str, Assertion]:
        """Use a CONFIRMED ticket, once, from its page (this browser and the secret): its method and the
        partner's assertion. SCAN_TICKET_INVALID, _EXPIRED, _STATE (not confirmed) or _REDEEMED otherwise."""
        found = await self._own(ticket, secret, browser=browser or None)
        status = _status(found.data, self.rt.clock.now())
        if status != ScanStatus.CONFIRMED:
            raise _wrong_state(status)
        moved = await self.tickets.move(found, {**_public(found.data), "status": ScanStatus.REDEEMED.value}, secrets={})
        if moved is None:  # a concurrent redemption won
            raise _wrong_state(ScanStatus.REDEEMED)
        await self._publish(ticket or "", ScanStatus.REDEEMED)
        method = found.data["method"]
        await self.audit.record("scan_ticket.redeemed", client=self.client, method=method, ticket=_ref(ticket or ""))
        return method, _assertion(json.loads(found.data[_ASSERTION]))

    # -- the partner's side (ScanTicketEngine) ---------------------------------------------------------------

    async def scanned(self, ticket: str, method: str) -> ScanProgress:
        """PENDING -> SCANNED."""
        return await self._move(ticket, method, ScanStatus.SCANNED, "scan_ticket.scanned")

    async def confirmed(self, ticket: str, method: str, assertion: Assertion) -> ScanProgress:
        """SCANNED -> CONFIRMED, sealing the assertion in the ticket for its redemption."""
        if assertion.provider != method:
            raise ValueError("a scan method confirms with its own assertions only")
        return await self._move(ticket, method, ScanStatus.CONFIRMED, "scan_ticket.confirmed", assertion)

    async def rejected(self, ticket: str, method: str) -> ScanProgress:
        """SCANNED -> REJECTED."""
        return await self._move(ticket, method, ScanStatus.REJECTED, "scan_ticket.rejected")

    # -- inside ------------------------------------------------------------------------------------------------

    async def _own(self, ticket: str | None, secret: str | None, *, browser: str | None = ANY_BROWSER) -> StepTicket:
        found = await self.tickets.read(ticket, browser=browser)
        given = token_digest((secret or "").strip()[:128])
        if not secret or not hmac.compare_digest(found.data["secret"], given):
            raise invalid()
        return found

    async def _reread(self, ticket: str, now: datetime) -> ScanTicketView:
        try:
            found = await self.tickets.read(ticket, browser=ANY_BROWSER)
        except DomainError:  # past the record's life: as good as expired
            return ScanTicketView(ticket, "", ScanStatus.EXPIRED, now, None)
        return _view(found, now, ticket)

    async def _move(
        self, ticket: str, method: str, to: ScanStatus, event: str, assertion: Assertion | None = None
    ) -> ScanProgress:
        try:
            found = await self.tickets.read(ticket, browser=ANY_BROWSER)
        except DomainError:
            await self._refused(ticket, method, to, "unknown")
            raise
        now = self.rt.clock.now()
        status = _status(found.data, now)
        if found.data["method"] != method:
            await self._refused(ticket, method, to, "other_channel")
            raise DomainError(ErrorCode.SCAN_TICKET_OTHER_CHANNEL, "该二维码不属于此登录方式", "id")
        if to not in _MOVES.get(status, frozenset()):
            await self._refused(ticket, method, to, status.value.lower())
            raise _wrong_state(status)
        data: dict[str, Any] = {**_public(found.data), "status": to.value}
        secrets: dict[str, str] | None = None
        if assertion is not None:
            data["redeem_by"] = (now + timedelta(seconds=REDEEM_SECONDS)).isoformat()
            secrets = {**_secrets_of(found), _ASSERTION: json.dumps(_assertion_record(assertion))}
        if await self.tickets.move(found, data, secrets=secrets) is None:  # another callback moved it first
            await self._refused(ticket, method, to, "raced")
            raise _wrong_state((await self._reread(ticket, self.rt.clock.now())).status)
        await self._publish(ticket, to)
        await self.audit.record(event, client=self.client, method=method, ticket=_ref(ticket))
        kept = json.loads(found.data[_KEPT]) if _KEPT in found.data else {}
        return ScanProgress(ticket, method, to, kept)

    async def _refused(self, ticket: str, method: str, to: ScanStatus, reason: str) -> None:
        await self.audit.record("scan_ticket.refused", outcome="failure", client=self.client, method=method,
                                ticket=_ref(ticket), to=to.value, reason=reason)  # fmt: skip

    async def _publish(self, ticket: str, status: ScanStatus) -> None:
        await self.rt.store.publish(channel(ticket), status.value)


def scan_tickets(connection: HTTPConnection) -> ScanTicketEngine:
    """The scan-ticket engine for a plugin's callback route (``uidp.plugin_api.scan_tickets``): its calls
    are audited with the caller's address as :func:`uidp.http.client.request_client` decides it."""
    from uidp.http.client import request_client

    return ScanTickets(connection.app.state.runtime, request_client(connection))


def _ref(ticket: str) -> str:
    """How the audit log names a ticket: a prefix of its digest (correlates events, opens nothing)."""
    return token_digest(ticket)[:16]


def _status(data: Mapping[str, Any], now: datetime) -> ScanStatus:
    status = ScanStatus(data["status"])
    if status in (ScanStatus.PENDING, ScanStatus.SCANNED) and now > datetime.fromisoformat(data["until"]):
        return ScanStatus.EXPIRED
    if status == ScanStatus.CONFIRMED and now > datetime.fromisoformat(data["redeem_by"]):
        return ScanStatus.EXPIRED
    return status


def _deadline(view: ScanTicketView) -> datetime:
    return view.expires_at


def _view(found: StepTicket, now: datetime, ticket: str = "") -> ScanTicketView:
    data = found.data
    status = _status(data, now)
    deadline = data.get("redeem_by") if status == ScanStatus.CONFIRMED else data["until"]
    return ScanTicketView(ticket, data["method"], status, datetime.fromisoformat(deadline), data.get("refresh"))


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name not in (_ASSERTION, _KEPT)}


def _secrets_of(found: StepTicket) -> dict[str, str]:
    return {name: found.data[name] for name in (_KEPT,) if name in found.data}


def _wrong_state(status: ScanStatus) -> DomainError:
    if status == ScanStatus.EXPIRED:
        return DomainError(ErrorCode.SCAN_TICKET_EXPIRED, "二维码已过期，请刷新后重新扫码", "id")
    if status == ScanStatus.REDEEMED:
        return DomainError(ErrorCode.SCAN_TICKET_REDEEMED, "该二维码已用于登录，请勿重复使用", "id")
    return DomainError(ErrorCode.SCAN_TICKET_STATE, f"二维码当前状态不允许此操作（{_LABELS[status]}）", "id")


_LABELS = {
    ScanStatus.PENDING: "等待扫码",
    ScanStatus.SCANNED: "已扫码，等待确认",
    ScanStatus.CONFIRMED: "已确认",
    ScanStatus.REJECTED: "已拒绝",
    ScanStatus.EXPIRED: "已过期",
    ScanStatus.REDEEMED: "已使用",
}


def _assertion_record(assertion: Assertion) -> dict[str, Any]:
    return {
        "provider": assertion.provider,
        "subject": assertion.subject,
        "subject_kind": assertion.subject_kind,
        "claims": dict(assertion.claims),
        "display": assertion.display,
    }


def _assertion(record: Mapping[str, Any]) -> Assertion:
    return Assertion(
        provider=record["provider"],
        subject=record["subject"],
        subject_kind=record["subject_kind"],
        claims=dict(record["claims"]),
        display=record["display"],
    )
