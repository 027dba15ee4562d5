"""What the conformance suites share: loading the plugin under test, the running app, and the leak watch.

The suites drive the real core (the plugin host, ``create_app``, GraphQL over HTTP, the audit log): nothing
of uidp is replaced, only the plugin's partner is the integrator's to simulate.
"""

from __future__ import annotations

import base64
import logging
import secrets
import types
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from uidp.config import Settings
from uidp.events import Event
from uidp.hookspecs import hookimpl
from uidp.plugin_host import PluginHost
from uidp.ports import PasswordSubject

SettingsFactory = Callable[..., Settings]
"""``uidp_settings(**overrides)``: settings on a fresh database (the ``uidp_settings`` fixture)."""

CLIENT = ("203.0.113.9", 50000)  # a documentation address (RFC 5737)
BROWSER_URL = "http://testserver/"  # the base URL of the suite's browser on the app
MIN_SECRET = 4  # shorter values (a "1", an "on") are too common to mean anything when found in a log


class Installed:
    """Return it from ``uidp_plugin`` when the plugin is already installed (an entry point in group ``uidp``)."""

    def __repr__(self) -> str:
        return "INSTALLED"


INSTALLED = Installed()


def plugin_overrides(plugin: object, **settings: Any) -> tuple[dict[str, Any], list[object]]:
    """Settings and ``extra_plugins`` that load ``plugin`` the way a deployment would.

    A dotted name or a module goes into ``UIDP_PLUGINS`` (so a built-in is not registered twice), any other
    object into ``extra_plugins``, :data:`INSTALLED` nowhere (its entry point loads it)."""
    values = dict(settings)
    names = [name for name in str(values.pop("plugins", "")).split(",") if name.strip()]
    extra: list[object] = []
    if isinstance(plugin, str):
        names.append(plugin)
    elif isinstance(plugin, types.ModuleType):
        names.append(plugin.__name__)
    elif not isinstance(plugin, Installed):
        extra.append(plugin)
    values["plugins"] = ",".join(names)
    return values, extra


def production_overrides() -> dict[str, Any]:
    """The keys a production profile insists on, fresh for each test."""

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return {
        "profile": "production",
        "pii_keys": "k1:" + key(),
        "blind_index_key": key(),
        "password_pepper": key(),
        "secret_key": key(),
        "bcrypt_rounds": 12,
        "graphql_ide": False,
        "introspection": False,
        "dev_peek": False,
    }


def build_host(make: SettingsFactory, plugin: object, **settings: Any) -> PluginHost:
    """A plugin host with the plugin under test loaded (and the built-ins)."""
    values, extra = plugin_overrides(plugin, **settings)
    return PluginHost(make(**values), extra)


class StrictPorts:
    """The ports a login method is lent, answering as the core does for a request that names no account:
    nobody is found, no password matches (and a ``None`` hash still costs a check)."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    async def find_password_subject(self, identifier: str) -> PasswordSubject | None:
        self.lookups.append(identifier)
        return None

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        return False


class EventRecorder:
    """An ``on_event`` observer: every security event the core records while the app runs."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def on_event(self, event: Event) -> None:
        self.events.append(event)

    def of(self, event_type: str) -> list[Event]:
        return [event for event in self.events if event.type == event_type]


class LogCapture(logging.Handler):
    """Every log record of every logger, at DEBUG, while installed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "httpx" and BROWSER_URL in record.getMessage():
            return  # the suite's own browser logging its requests, not the app
        self.records.append(record)

    def texts(self) -> list[str]:
        texts = []
        for record in self.records:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + repr(record.exc_info[1])
            extra = {k: v for k, v in vars(record).items() if k not in _PLAIN_RECORD}
            texts.append(f"{record.name}: {text} {extra!r}")
        return texts


_PLAIN_RECORD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "", None, None))) | {"message", "asctime"}


@asynccontextmanager
async def capture_logs() -> AsyncIterator[LogCapture]:
    """Capture every record (root logger at DEBUG, and loggers that do not propagate) until the block ends."""
    handler = LogCapture()
    root = logging.getLogger()
    level = root.level
    # loggers that do not propagate (a JSON request log with its own handler) are watched directly
    apart = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in [root, *apart]:
        logger.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger in [root, *apart]:
            logger.removeHandler(handler)
        root.setLevel(level)


def secret_values(values: Iterable[str]) -> list[str]:
    """The values worth looking for (long enough to be telling), longest first."""
    return sorted({v for v in values if isinstance(v, str) and len(v.strip()) >= MIN_SECRET}, key=len, reverse=True)


def leaks(secrets_: Iterable[str], texts: Iterable[str]) -> list[str]:
    """``"<secret> in <where>"`` for every secret found in one of the texts."""
    found = []
    wanted = secret_values(secrets_)
    for text in texts:
        for secret in wanted:
            if secret in text:
                found.append(f"{secret!r} in {text[:200]!r}")
    return found


@dataclass
class Kit:
    """The app running with the plugin under test, and what it wrote: hand it to your hooks.

    ``http`` is a browser (its own cookie jar) on the app, ``runtime`` the app's runtime, ``events`` what
    ``on_event`` saw, ``logs`` every log record since the app started.
    """

    app: Any
    http: httpx.AsyncClient
    events: EventRecorder
    logs: LogCapture
    settings: Settings
    audit_before: set[str] = field(default_factory=set)

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    async def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL operation; the answer's ``data`` (fails on transport or GraphQL errors)."""
        response = await self.http.post("/graphql", json={"query": query, "variables": dict(variables or {})})
        assert response.status_code == 200, f"/graphql answered {response.status_code}: {response.text[:300]}"
        body = response.json()
        assert "errors" not in body, f"GraphQL errors (an unhandled exception in the plugin?): {body['errors']}"
        data: dict[str, Any] = body["data"]
        return data

    async def new_audit_rows(self) -> list[str]:
        """The audit rows written since the app started, as text."""
        from uidp.models.audit import AuditEvent

        rows = await AuditEvent.all().values()
        return [repr(row) for row in rows if str(row["id"]) not in self.audit_before]

    async def written(self) -> list[str]:
        """Everything the core wrote where a secret must never go: log records, events and audit rows."""
        return self.logs.texts() + [repr(event) for event in self.events.events] + await self.new_audit_rows()

    async def assert_no_leaks(self, secrets_: Sequence[str]) -> None:
        found = leaks(secrets_, await self.written())
        assert not found, "secret or raw personal data reached logs, events or the audit log: " + "; ".join(found)


@asynccontextmanager
async def running(make: SettingsFactory, plugin: object, **settings: Any) -> AsyncIterator[Kit]:
    """The whole app (create_app, lifespan, HTTP) with the plugin under test and an event recorder."""
    from uidp.app import create_app
    from uidp.models.audit import AuditEvent

    values, extra = plugin_overrides(plugin, **settings)
    recorder = EventRecorder()
    resolved = make(**values)
    async with capture_logs() as logs:
        app = create_app(resolved, extra_plugins=[*extra, recorder])
        async with app.router.lifespan_context(app):
            before = {str(row_id) for row_id in await AuditEvent.all().values_list("id", flat=True)}
            transport = httpx.ASGITransport(app=app, client=CLIENT)
            async with httpx.AsyncClient(transport=transport, base_url=BROWSER_URL) as http:
                yield Kit(app, http, recorder, logs, resolved, before)


def login_params(values: Mapping[str, str]) -> list[dict[str, str]]:
    """GraphQL's list of ``LoginParamInput`` from a dict."""
    return [{"name": name, "value": value} for name, value in values.items()]


START_LOGIN = """
mutation($i: StartLoginInput!) { startLogin(input: $i) {
  __typename
  ... on LoginRedirect { url state expiresAt }
  ... on LoginScanTicket { ticket qrPayload expiresAt refreshSeconds }
  ... on Error { code message field }
} }"""

COMPLETE_LOGIN = """
mutation($i: CompleteLoginInput!) { completeLogin(input: $i) {
  __typename
  ... on LoginSuccess { token }
  ... on BindingRequired { ticket provider accountKind }
  ... on LoginFailed { captchaRequired }
  ... on Error { code message field }
} }"""

LOGIN_METHODS = "{ loginMethods { id label sandbox starts trust } }"
