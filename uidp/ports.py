"""The seams between the core and plugins: the protocols plugins implement and the values they return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from uidp.domain.accounts import ActorRole


class Trust(StrEnum):
    """What a login method's assertions may do besides following the bindings made for them.

    Declared per method (``trust = frozenset({Trust.ID_NUMBER})``); no trust at all is the default and the
    safe choice: every subject must then be bound to an account once, by a proof of that account
    (docs/decisions.md #90).
    """

    ACCOUNT = "ACCOUNT"  # the subject is a core account id the method found through LoginPorts (password)
    ID_NUMBER = "ID_NUMBER"  # a verified resident ID number (claim "id_number") opens the person holding it
    CREDIT_CODE = "CREDIT_CODE"  # a verified credit code (claim "credit_code") opens the entity holding it
    # the verified person acting for the entity (claims "actor_id_number", "actor_name", "actor_role") is
    # recorded on the session: the scanner of an electronic business licence (E6)
    ACTOR = "ACTOR"


# Claim names the core reads; a method may add its own (they are kept, never logged).
CLAIM_NAME = "name"
CLAIM_ID_NUMBER = "id_number"
CLAIM_CREDIT_CODE = "credit_code"
CLAIM_ACTOR_NAME = "actor_name"  # the person acting for an entity (Trust.ACTOR): verified name,
CLAIM_ACTOR_ID_NUMBER = "actor_id_number"  # resident ID number,
CLAIM_ACTOR_ROLE = "actor_role"  # and role: one of ACTOR_ROLES
# a licence's legal representative, or a manager it authorised (uidp.domain.accounts.ActorRole)
ACTOR_ROLES = (ActorRole.LEGAL_REPRESENTATIVE.value, ActorRole.MANAGER.value)


@dataclass(frozen=True)
class Assertion:
    """What a login method proves: who the provider says this is, and what it verified.

    ``subject`` is the id at the provider (for the built-in password method, the account id itself).
    ``subject_kind`` is the kind of account it stands for: ``"person"``, ``"entity"`` (``"staff"`` for the
    password method's staff realm, ``"certificate"`` for the CA method, whose bindings E5 makes).
    ``claims`` are verified attributes (``name``, ``id_number``, ``credit_code`` ...) that the core may use
    to match an account when the method's :class:`Trust` allows it; they are never logged. ``display`` is
    what the user space shows for a binding (a nickname; stored encrypted, shown masked).
    """

    provider: str
    subject: str
    subject_kind: str = "person"
    claims: Mapping[str, str] = field(default_factory=dict)
    display: str = ""


@dataclass(frozen=True)
class PasswordSubject:
    """An account found by a login identifier, as the password method needs it."""

    subject_kind: str
    subject_id: str
    password_hash: str | None


class LoginPorts(Protocol):
    """What the core lends a login method: lookups, never account or session changes."""

    async def find_password_subject(self, identifier: str) -> PasswordSubject | None:
        """The account a phone / certificate number / username names, or None."""
        ...

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        """Check a password in a worker thread; a None hash still costs one hash."""
        ...


class LoginFailure(Exception):
    """Raised by a login method when the request does not prove anyone; shown as a generic failure."""


@dataclass(frozen=True)
class StartRequest:
    """What the core hands :meth:`StartableLoginMethod.start`.

    ``state`` is the core's single-use value for this attempt, bound to the browser that started it: send
    it to the partner as the OAuth ``state`` and expect it back. ``ticket`` is the id of the scan ticket the
    core makes when the method answers :class:`ScanStart`: put it in the QR payload; the partner's callback
    names it to :class:`ScanTicketEngine` (``scan_tickets(request)``). ``params`` is what the page sent
    (hostile input).
    """

    state: str
    params: Mapping[str, str]
    expires_at: datetime
    ticket: str = ""


@dataclass(frozen=True)
class RedirectStart:
    """Send the browser to ``url`` (the partner's authorize page, carrying the state).

    ``keep``: values the core stores with the state (sealed) and hands back to ``complete`` (a PKCE
    verifier, a nonce); they never reach the browser.
    """

    url: str
    keep: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanStart:
    """Show a QR code with ``qr_payload`` (carrying :attr:`StartRequest.ticket`) for the partner app to scan.

    The core makes the scan ticket (``uidp.services.auth.scan_tickets``): ``lifetime_seconds`` is its life
    (120 by default, 10 to 600); ``refresh_seconds`` asks the page to start a new ticket that often (the
    electronic business licence refreshes every minute). ``keep`` is sealed in the ticket and handed back to
    the callback (:attr:`ScanProgress.kept`).
    """

    qr_payload: str
    lifetime_seconds: int = 120
    refresh_seconds: int | None = None
    keep: Mapping[str, str] = field(default_factory=dict)


LoginStart = RedirectStart | ScanStart


@dataclass(frozen=True)
class LoginRequest:
    """What the core hands :meth:`LoginMethod.complete`.

    ``params``: what the caller sent for this method (hostile input: the password method's ``identifier``
    and ``password``, a partner's ``auth_code`` ...). ``state``: the state the core issued at start and has
    checked (single use, same browser), or None for methods without a start. ``kept``: what ``start`` asked
    the core to keep (trusted: it never left the server).
    """

    params: Mapping[str, str]
    state: str | None = None
    kept: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class LoginMethod(Protocol):
    """A way to log in (password, CA, Alipay, scan ...): turns a request into a verified :class:`Assertion`.

    Optional members: ``trust`` (a set of :class:`Trust`, default none) and ``start`` (see
    :class:`StartableLoginMethod`; a method without it is completed directly).
    """

    id: str
    label: str
    sandbox: bool

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        """Return a verified assertion or raise :class:`LoginFailure`."""
        ...


@runtime_checkable
class StartableLoginMethod(LoginMethod, Protocol):
    """A login method with a first step: a redirect to the partner, or a QR code to scan."""

    async def start(self, request: StartRequest) -> LoginStart:
        """Where the page goes next; raise :class:`LoginFailure` if it cannot start now."""
        ...


class ScanStatus(StrEnum):
    """Where a scan ticket is: PENDING -> SCANNED -> CONFIRMED | REJECTED; EXPIRED by time; REDEEMED once its
    page used the confirmation for a session. No other transition."""

    PENDING = "PENDING"
    SCANNED = "SCANNED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    REDEEMED = "REDEEMED"


@dataclass(frozen=True)
class ScanProgress:
    """A scan ticket after a callback moved it: its method, new status, and what ``ScanStart.keep`` kept."""

    ticket: str
    method: str
    status: ScanStatus
    kept: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class ScanTicketEngine(Protocol):
    """What a scan channel's callback route moves tickets with (``uidp.plugin_api.scan_tickets(request)``).

    Each call is one atomic transition in the store, pushed at once to the page's ``loginTicket``
    subscription in any worker. Each raises :class:`~uidp.domain.errors.DomainError`:
    ``SCAN_TICKET_INVALID`` (unknown ticket), ``SCAN_TICKET_EXPIRED``, ``SCAN_TICKET_STATE`` (out of order:
    confirm before scan, scan twice, anything after a confirmation or rejection) and
    ``SCAN_TICKET_OTHER_CHANNEL`` (a ticket another method issued); nothing changes then.
    """

    async def scanned(self, ticket: str, method: str) -> ScanProgress:
        """PENDING -> SCANNED: the partner's app read the QR code."""
        ...

    async def confirmed(self, ticket: str, method: str, assertion: Assertion) -> ScanProgress:
        """SCANNED -> CONFIRMED with who the partner says confirmed (``assertion.provider`` must be ``method``);
        its claims ride sealed in the ticket until the page redeems it."""
        ...

    async def rejected(self, ticket: str, method: str) -> ScanProgress:
        """SCANNED -> REJECTED: the person declined in the app."""
        ...


def trust_of(method: LoginMethod) -> frozenset[Trust]:
    """The method's declared trust (none when it declares nothing)."""
    return frozenset(Trust(item) for item in getattr(method, "trust", ()))


@runtime_checkable
class SmsGateway(Protocol):
    """Sends text messages to mainland mobile numbers."""

    id: str
    sandbox: bool

    async def send(self, phone: str, text: str, *, purpose: str) -> None:
        """Deliver ``text`` to ``phone``; raise on failure (the core reports a generic error)."""
        ...


@dataclass(frozen=True)
class BankCardQuery:
    """The four elements of a bank-card check (P7, P9b). Values are normalised; never log them."""

    name: str
    certificate_type: str
    certificate_number: str
    card_number: str
    phone: str


@dataclass(frozen=True)
class BankCardResult:
    """A provider's answer.

    ``status``: "MATCH", "MISMATCH" or "PENDING". For MISMATCH, ``reason`` is one of NAME_MISMATCH,
    CERTIFICATE_MISMATCH, PHONE_MISMATCH, ACCOUNT_CLASS_NOT_ALLOWED (class II/III accounts), CARD_INVALID.
    For PENDING, ``reference`` is what :meth:`BankCardVerifier.poll` takes later.
    """

    status: str
    reason: str | None = None
    reference: str | None = None


@runtime_checkable
class BankCardVerifier(Protocol):
    """Checks name + certificate number + card number + bank-reserved phone with a card-verification provider."""

    id: str
    sandbox: bool

    async def verify(self, query: BankCardQuery) -> BankCardResult:
        """Start (and often finish) a check; raise on transport failure (the core reports it)."""
        ...

    async def poll(self, reference: str) -> BankCardResult:
        """The current answer of a PENDING check."""
        ...


@dataclass(frozen=True)
class RegistryRecord:
    """What the business registry (工商登记) holds for a unified social credit code (E1, E8)."""

    credit_code: str
    name: str
    entity_type: str  # one of uidp.models.entity.EntityType's values
    representative_name: str
    representative_certificate_number: str
    status: str = "ACTIVE"  # ACTIVE, or e.g. REVOKED / CANCELLED (吊销 / 注销)


@runtime_checkable
class BusinessRegistry(Protocol):
    """Looks a credit code up in the business registry."""

    id: str
    sandbox: bool

    async def lookup(self, credit_code: str) -> RegistryRecord | None:
        """The registry's record, or None when the code is unknown; raise on transport failure."""
        ...
