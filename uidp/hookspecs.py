"""Every hook a uidp plugin may implement.

Hooks follow llm's registry style: a hook receives a ``register`` callable and registers objects; the host
keys them by id and refuses duplicates. pluggy is synchronous, so hooks only register; the host awaits the
async methods of what was registered. Every ``register_*`` hook may also accept ``settings`` (the resolved
:class:`uidp.config.Settings`), since pluggy passes only the arguments an implementation names; ``on_event``
takes ``event`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("uidp")
hookimpl = pluggy.HookimplMarker("uidp")


@hookspec
def register_login_methods(register: Callable[[Any], None], settings: Any) -> None:
    """Register login methods (objects following :class:`uidp.ports.LoginMethod`).

    A login method turns a request into a verified :class:`uidp.ports.Assertion`; it never touches
    accounts or sessions. The core maps the assertion to an account and issues the session.

    :param register: call ``register(method)`` once per method; ids must be unique across plugins.
    :param settings: the resolved settings.
    """


@hookspec
def register_verifiers(register: Callable[[str, Any], None], settings: Any) -> None:
    """Register verifiers and gateways by kind: ``register(kind, implementation)``.

    Kinds known to the core: ``"sms_gateway"`` (:class:`uidp.ports.SmsGateway`) and ``"bank_card"``
    (:class:`uidp.ports.BankCardVerifier`, the four-element check of P7 and P9b). Later kinds (business
    registry) follow the same shape. Exactly one implementation per kind may
    be active; the host refuses a second one for the same kind.

    :param register: call ``register(kind, implementation)``.
    :param settings: the resolved settings.
    """


@hookspec
def register_routes(register: Callable[..., None], settings: Any) -> None:
    """Register extra HTTP routes: ``register(path, endpoint, methods=["GET"])``.

    Use this for partner callbacks (OAuth redirects, scan confirmations). Paths must start with
    ``/plugins/<plugin-name>/`` so they cannot shadow the core's routes.

    :param register: call ``register(path, endpoint, methods=[...])``; ``endpoint`` is a Starlette
        request handler ``async def endpoint(request) -> Response``.
    :param settings: the resolved settings.
    """


@hookspec
def on_event(event: Any) -> None:
    """Observe a security event after it was written to the audit log.

    ``event`` is a :class:`uidp.events.Event`: type, outcome, actor, subject, masked client address and
    masked details; never secrets or raw PII. Implementations must be quick and must not raise: the
    host logs and swallows errors so one observer cannot break a login.

    :param event: the event that was recorded.
    """
