"""Every hook a uidp plugin may implement, and the types of what the hooks receive.

Hooks follow llm's registry style: a hook receives a ``register`` callable and registers objects; the host
keys them by id (or by :class:`VerifierKind`) and refuses duplicates. pluggy is synchronous, so hooks only
register; the host awaits the async methods of what was registered. Every ``register_*`` hook except
``register_commands`` may also accept ``settings`` (the resolved :class:`uidp.config.Settings`), since pluggy
passes only the arguments an implementation names; ``on_event`` takes ``event`` only. Plugin authors import
all of this from :mod:`uidp.plugin_api`.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol, overload

import pluggy

from uidp.config import Settings
from uidp.events import Event
from uidp.ports import BankCardVerifier, BusinessRegistry, LoginMethod, SmsGateway

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

hookspec = pluggy.HookspecMarker("uidp")
hookimpl = pluggy.HookimplMarker("uidp")


class PluginError(Exception):
    """A plugin registered something the host cannot accept (duplicate id, wrong shape); the app does not start."""


class VerifierKind(StrEnum):
    """The kinds of verifier a plugin may register, each with its protocol from :mod:`uidp.ports`."""

    SMS_GATEWAY = "sms_gateway"  # SmsGateway: SMS codes and notices
    BANK_CARD = "bank_card"  # BankCardVerifier: the bank-card four-element check (P7, P9b)
    BUSINESS_REGISTRY = "business_registry"  # BusinessRegistry: 工商登记 lookups (E1, E8)


Verifier = SmsGateway | BankCardVerifier | BusinessRegistry
"""Any verifier; what a kind's implementation must follow is :data:`VERIFIER_PROTOCOLS`."""

VERIFIER_PROTOCOLS: dict[VerifierKind, type[object]] = {
    VerifierKind.SMS_GATEWAY: SmsGateway,
    VerifierKind.BANK_CARD: BankCardVerifier,
    VerifierKind.BUSINESS_REGISTRY: BusinessRegistry,
}


class BuiltinLoginMethod(StrEnum):
    """Ids of the login methods the core has flows of its own for (their built-in plugins register them)."""

    PASSWORD = "password"  # plugins.password: loginWithPassword, the staff and entity logins
    CA = "ca"  # plugins.ca: certificate login and binding


class RegisterLoginMethod(Protocol):
    """``register(method)``: what ``register_login_methods`` receives."""

    def __call__(self, method: LoginMethod, /) -> None: ...


class RegisterVerifier(Protocol):
    """``register(kind, implementation)``: what ``register_verifiers`` receives; the kind fixes the protocol."""

    @overload
    def __call__(self, kind: Literal[VerifierKind.SMS_GATEWAY], implementation: SmsGateway, /) -> None: ...

    @overload
    def __call__(self, kind: Literal[VerifierKind.BANK_CARD], implementation: BankCardVerifier, /) -> None: ...

    @overload
    def __call__(self, kind: Literal[VerifierKind.BUSINESS_REGISTRY], implementation: BusinessRegistry, /) -> None: ...


Endpoint = Callable[["Request"], Awaitable["Response"]]
"""A Starlette request handler: ``async def endpoint(request) -> Response``."""


class RegisterRoute(Protocol):
    """``register(path, endpoint, methods=["GET"])``: what ``register_routes`` receives."""

    def __call__(self, path: str, endpoint: Endpoint, /, methods: Sequence[str] = ("GET",)) -> None: ...


CommandRun = Callable[[argparse.Namespace], None]
"""What a plugin command runs with its parsed arguments."""


class CommandLine(Protocol):
    """The ``uidp`` command line, as ``register_commands`` receives it."""

    def add_command(
        self, name: str, *, help: str, run: CommandRun, dash_values: bool = False
    ) -> argparse.ArgumentParser:
        """Add ``uidp <name>`` (under a group: ``uidp <group> <name>``); add its arguments to the returned
        parser. With ``dash_values`` an argument value may start with ``-`` (``uidp ca sign -Xy..``): only the
        command's own option names count as options then."""
        ...

    def add_group(self, name: str, *, help: str) -> CommandLine:
        """Add ``uidp <name>`` as a group of subcommands; add them to the returned command line."""
        ...

    def settings(self) -> Settings:
        """The resolved settings; a command that needs them calls this (a bad setting exits with one line)."""
        ...


@hookspec
def register_login_methods(register: RegisterLoginMethod, settings: Settings) -> None:
    """Register login methods (objects following :class:`uidp.ports.LoginMethod`).

    A login method turns a request into a verified :class:`uidp.ports.Assertion`; it never touches
    accounts or sessions. The core maps the assertion to an account and issues the session.

    :param register: call ``register(method)`` once per method; ids must be unique across plugins.
    :param settings: the resolved settings.
    """


@hookspec
def register_verifiers(register: RegisterVerifier, settings: Settings) -> None:
    """Register verifiers and gateways by kind: ``register(VerifierKind.BANK_CARD, implementation)``.

    Each :class:`VerifierKind` names the protocol its implementation follows. One implementation per kind
    is active: a non-sandbox one replaces a sandbox one (so installing a real provider needs no switch),
    and two non-sandbox ones for the same kind are refused with a :class:`PluginError`.

    :param register: call ``register(kind, implementation)``.
    :param settings: the resolved settings.
    """


@hookspec
def register_routes(register: RegisterRoute, settings: Settings) -> None:
    """Register extra HTTP routes: ``register(path, endpoint, methods=["GET"])``.

    Use this for partner callbacks (OAuth redirects, scan confirmations). Paths must start with
    ``/plugins/<plugin-name>/`` so they cannot shadow the core's routes.

    :param register: call ``register(path, endpoint, methods=[...])``; ``endpoint`` is a Starlette
        request handler ``async def endpoint(request) -> Response``. An endpoint that audits or limits by
        address takes it from ``uidp.plugin_api.request_client(request)``, never from headers itself.
    :param settings: the resolved settings.
    """


@hookspec
def register_commands(cli: CommandLine) -> None:
    """Add subcommands to the ``uidp`` command line (``uidp ca sign``, ``uidp sms-outbox`` ...).

    Called when the ``uidp`` command starts, before its arguments are parsed and before settings are read
    (``uidp settings`` must work while a setting is wrong): a command that needs settings calls
    ``cli.settings()`` when it runs. A name already taken is refused with a :class:`PluginError`.

    :param cli: the command line; see :class:`CommandLine`.
    """


@hookspec
def on_event(event: Event) -> None:
    """Observe a security event after it was written to the audit log.

    ``event`` is a :class:`uidp.events.Event`: type (one of :class:`uidp.events.EventType`), outcome, actor,
    subject, masked client address and masked details; never secrets or raw PII. Implementations must be
    quick and must not raise: the host logs and swallows errors so one observer cannot break a login.

    :param event: the event that was recorded.
    """
