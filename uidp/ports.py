"""The seams between the core and plugins: the protocols plugins implement and the values they return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Assertion:
    """What a login method proves: who the provider says this is, and what it verified.

    ``subject`` is the id at the provider (for the built-in password method, the account id itself).
    ``claims`` are verified attributes (name, certificate number, credit code ...) that the core may use
    to match or bind an account; they are never logged.
    """

    provider: str
    subject: str
    subject_kind: str = "person"
    claims: Mapping[str, str] = field(default_factory=dict)


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


@runtime_checkable
class LoginMethod(Protocol):
    """A way to log in (password, Alipay, scan ...)."""

    id: str
    label: str
    sandbox: bool

    async def authenticate(self, params: Mapping[str, str], ports: LoginPorts) -> Assertion:
        """Return a verified assertion or raise :class:`LoginFailure`."""
        ...


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
