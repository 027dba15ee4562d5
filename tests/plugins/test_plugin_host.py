"""The plugin host: entry points, UIDP_PLUGINS, extra plugins over HTTP, refusals, observers, production."""

from __future__ import annotations

import base64
import importlib
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pluggy
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from tests.support import LOGIN
from uidp.app import create_app
from uidp.plugin_api import (
    Assertion,
    BankCardQuery,
    BankCardResult,
    BuiltinLoginMethod,
    ConfigError,
    Event,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    PluginError,
    RegistryRecord,
    Settings,
    VerifierKind,
    hookimpl,
    request_client,
)
from uidp.plugin_host import PluginHost

pytestmark = pytest.mark.anyio

PACKAGE = "uidp_test_plugin"

PLUGIN_SOURCE = """
from uidp.hookspecs import hookimpl


class TestPluginLogin:
    id = "test-plugin"
    label = "test plugin"
    sandbox = True

    async def complete(self, request, ports):
        raise NotImplementedError


@hookimpl
def register_login_methods(register):
    register(TestPluginLogin())
"""


# ---- helpers ----------------------------------------------------------------------------------


class StubLogin:
    """A login method that proves no one; enough to be listed and counted."""

    sandbox = True

    def __init__(self, method_id: str, label: str = "stub") -> None:
        self.id = method_id
        self.label = label

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        raise LoginFailure("stub")


class LoginPlugin:
    def __init__(self, *methods: Any) -> None:
        self.methods = methods

    @hookimpl
    def register_login_methods(self, register) -> None:
        for method in self.methods:
            register(method)


class VerifierPlugin:
    def __init__(self, kind: str, implementation: Any) -> None:
        self.kind = kind
        self.implementation = implementation

    @hookimpl
    def register_verifiers(self, register) -> None:
        register(self.kind, self.implementation)


class LateVerifierPlugin(VerifierPlugin):
    """Registers after every other plugin (pluggy calls the others first)."""

    @hookimpl(trylast=True)
    def register_verifiers(self, register) -> None:
        register(self.kind, self.implementation)


class RoutePlugin:
    def __init__(self, path: str, methods: tuple[str, ...] = ("GET",)) -> None:
        self.path = path
        self.methods = methods

    @staticmethod
    async def ping(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"pong {request.method}")

    @hookimpl
    def register_routes(self, register) -> None:
        register(self.path, self.ping, methods=list(self.methods))


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def on_event(self, event: Event) -> None:
        self.events.append(event)


class Exploder:
    calls = 0

    @hookimpl
    def on_event(self, event: Event) -> None:
        self.calls += 1
        raise RuntimeError("observer failed")


class RealGateway:
    id = "acme"
    sandbox = False

    async def send(self, phone: str, text: str, *, purpose: str) -> None:
        return None


class SandboxGateway(RealGateway):
    id = "other-sandbox"
    sandbox = True


class RealBankCard:
    sandbox = False

    def __init__(self, verifier_id: str = "acme-bank") -> None:
        self.id = verifier_id

    async def verify(self, query: BankCardQuery) -> BankCardResult:
        return BankCardResult("MATCH")

    async def poll(self, reference: str) -> BankCardResult:
        return BankCardResult("MATCH")


class RealRegistry:
    id = "acme-registry"
    sandbox = False

    async def lookup(self, credit_code: str) -> RegistryRecord | None:
        return None


def write_distribution(folder: Path, package: str, source: str, entry_name: str) -> None:
    """A real, tiny installed distribution: a package and its dist-info with a `uidp` entry point."""
    (folder / package).mkdir()
    (folder / package / "__init__.py").write_text(source, encoding="utf-8")
    info = folder / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[uidp]\n{entry_name} = {package}\n", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder on sys.path for throwaway distributions; their modules leave sys.modules afterwards."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    importlib.invalidate_caches()
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if name.startswith("uidp_test_"):
            del sys.modules[name]
    importlib.invalidate_caches()


def dev_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data", **overrides)


def key(fill: bytes = b"k") -> str:
    return base64.b64encode(fill * 32).decode()


def production_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings.from_env(
        {},
        profile="production",
        data_dir=tmp_path / "data",
        database_url="sqlite://x.db",
        pii_keys="k1:" + key(),
        blind_index_key=key(b"b"),
        password_pepper=key(b"p"),
        secret_key=key(),
        **overrides,
    )


@asynccontextmanager
async def serving(application: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


# ---- (a) loading ------------------------------------------------------------------------------


def test_entry_point_plugin_is_loaded(site, tmp_path):
    write_distribution(site, PACKAGE, PLUGIN_SOURCE, "test")
    host = PluginHost(dev_settings(tmp_path))
    assert host.login_method("test-plugin") is not None
    assert "test" in host.plugin_names()
    assert PACKAGE in sys.modules


def test_without_the_distribution_there_is_no_such_method(tmp_path):
    host = PluginHost(dev_settings(tmp_path))
    assert host.login_method("password") is not None
    assert host.login_method("test-plugin") is None
    assert "test" not in host.plugin_names()
    assert {"plugins.password", "plugins.sandbox"} <= set(host.plugin_names())


def test_entry_point_plugin_can_be_disabled_by_name(site, tmp_path):
    write_distribution(site, PACKAGE, PLUGIN_SOURCE, "test")
    host = PluginHost(dev_settings(tmp_path, disabled_plugins="test"))
    assert host.login_method("test-plugin") is None
    assert "test" not in host.plugin_names()


def test_a_broken_entry_point_plugin_can_be_disabled(site, tmp_path):
    write_distribution(site, "uidp_test_broken", "raise ImportError('broken plugin')\n", "broken")
    with pytest.raises(ImportError, match="broken plugin"):
        PluginHost(dev_settings(tmp_path))
    host = PluginHost(dev_settings(tmp_path, disabled_plugins="broken"))
    assert "broken" not in host.plugin_names()
    assert "uidp_test_broken" not in sys.modules  # never imported


def test_uidp_plugins_loads_by_dotted_name_and_builtins_can_be_disabled(site, tmp_path):
    (site / "uidp_test_dotted.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    host = PluginHost(dev_settings(tmp_path, plugins="uidp_test_dotted", disabled_plugins="plugins.sandbox"))
    assert {"password", "test-plugin"} <= {method.id for method in host.login_methods()}
    assert "sms_gateway" not in host.verifiers
    assert "plugins.sandbox" not in host.plugin_names()
    assert "uidp_test_dotted" in host.plugin_names()
    with pytest.raises(ConfigError, match="no SMS gateway"):
        host.sms_gateway()


def test_a_misspelt_hook_is_refused(tmp_path):
    class Typo:
        @hookimpl
        def register_login_method(self, register) -> None:
            register(StubLogin("typo"))

    with pytest.raises(pluggy.PluginValidationError, match="register_login_method"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[Typo()])


def test_a_hook_wrapper_is_refused(tmp_path):
    class Wrapper:
        @hookimpl(wrapper=True)
        def register_verifiers(self, register):
            return (yield)

    with pytest.raises(PluginError, match="register_verifiers takes no hook wrappers"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[Wrapper()])

    class Observer:
        @hookimpl(hookwrapper=True)
        def on_event(self, event):
            yield

    with pytest.raises(PluginError, match=r"on_event takes no hook wrappers \(Observer\)"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[Observer()])


# ---- (b) through HTTP -------------------------------------------------------------------------


async def test_extra_plugin_login_method_is_listed(settings, clock):
    application = create_app(settings, clock=clock, extra_plugins=[LoginPlugin(StubLogin("throwaway", "一次性"))])
    async with serving(application) as http:
        response = await http.post("/graphql", json={"query": "{ loginMethods { id label sandbox } }"})
    assert response.status_code == 200
    methods = {m["id"]: m for m in response.json()["data"]["loginMethods"]}
    assert {"password", "throwaway"} <= set(methods)
    assert methods["throwaway"] == {"id": "throwaway", "label": "一次性", "sandbox": True}
    assert methods["password"]["sandbox"] is False


# ---- (c) refusals and routes ------------------------------------------------------------------


def test_duplicate_login_method_ids_are_refused(tmp_path):
    with pytest.raises(PluginError, match="'password' is registered twice"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[LoginPlugin(StubLogin("password"))])
    with pytest.raises(PluginError, match="'twin' is registered twice"):
        PluginHost(
            dev_settings(tmp_path), extra_plugins=[LoginPlugin(StubLogin("twin")), LoginPlugin(StubLogin("twin"))]
        )


def test_an_object_that_is_not_a_login_method_is_refused(tmp_path):
    class NoAuthenticate:
        id = "half"
        label = "half"
        sandbox = False

    with pytest.raises(PluginError, match="is not a LoginMethod"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[LoginPlugin(NoAuthenticate())])


def test_verifier_refusals(tmp_path):
    with pytest.raises(PluginError, match="unknown verifier kind 'fax'"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[VerifierPlugin("fax", RealGateway())])
    with pytest.raises(PluginError, match="does not follow the sms_gateway protocol"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[VerifierPlugin("sms_gateway", object())])
    with pytest.raises(PluginError, match="a second sms_gateway"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[VerifierPlugin("sms_gateway", SandboxGateway())])
    host = PluginHost(
        dev_settings(tmp_path, disabled_plugins="plugins.sandbox"),
        extra_plugins=[VerifierPlugin("sms_gateway", RealGateway())],
    )
    assert host.sms_gateway().id == "acme"


@pytest.mark.parametrize("plugin_class", [VerifierPlugin, LateVerifierPlugin])
def test_a_real_verifier_replaces_the_sandbox_one(tmp_path, plugin_class):
    """Without any switch, whether the real one registers before the sandbox's or after it."""
    for kind, real in (
        (VerifierKind.SMS_GATEWAY, RealGateway()),
        (VerifierKind.BANK_CARD, RealBankCard()),
        (VerifierKind.BUSINESS_REGISTRY, RealRegistry()),
    ):
        host = PluginHost(dev_settings(tmp_path), extra_plugins=[plugin_class(kind, real)])
        assert host.verifiers[kind] is real
        assert f"{kind}:sandbox" not in host.sandbox_parts()
    host = PluginHost(dev_settings(tmp_path), extra_plugins=[plugin_class("bank_card", RealBankCard())])
    verifier = host.bank_card_verifier()
    assert verifier is not None and verifier.id == "acme-bank"
    assert host.sms_gateway().id == "sandbox" and "sms_gateway:sandbox" in host.sandbox_parts()


def test_two_real_verifiers_of_one_kind_are_refused(tmp_path):
    twins = [VerifierPlugin("bank_card", RealBankCard()), VerifierPlugin("bank_card", RealBankCard("other-bank"))]
    with pytest.raises(PluginError, match="a second bank_card was registered") as refused:
        PluginHost(dev_settings(tmp_path), extra_plugins=twins)
    assert "'other-bank'" in str(refused.value) and "'acme-bank'" in str(refused.value)
    assert "UIDP_DISABLED_PLUGINS" in str(refused.value)


def test_the_typed_accessors(tmp_path):
    host = PluginHost(dev_settings(tmp_path))
    # each is the registered verifier, its calls timed (uidp_verifier_call_duration_seconds)
    assert host.sms_gateway().inner is host.verifiers[VerifierKind.SMS_GATEWAY]
    assert host.bank_card_verifier().inner is host.verifiers[VerifierKind.BANK_CARD]
    assert host.business_registry().inner is host.verifiers[VerifierKind.BUSINESS_REGISTRY]
    assert host.login_method(BuiltinLoginMethod.PASSWORD) is host.login_method("password") is not None
    assert {method.id for method in host.login_methods()} == {"password", "ca", "ehuiban", "esscard", "elicense"}
    bare = PluginHost(dev_settings(tmp_path, disabled_plugins="plugins.sandbox,plugins.ca"))
    assert (bare.bank_card_verifier(), bare.business_registry(), bare.login_method("ca")) == (None, None, None)


@pytest.mark.parametrize("path", ["/graphql", "/health", "/plugin/x", "plugins/x", "/api/plugins/x"])
def test_a_route_outside_plugins_is_refused(tmp_path, path):
    with pytest.raises(PluginError, match="must start with /plugins/"):
        PluginHost(dev_settings(tmp_path), extra_plugins=[RoutePlugin(path)])


def test_a_route_registered_twice_is_refused(tmp_path):
    twice = [RoutePlugin("/plugins/acme/ping"), RoutePlugin("/plugins/acme/ping")]
    with pytest.raises(PluginError, match="registered twice"):
        PluginHost(dev_settings(tmp_path), extra_plugins=twice)


async def test_a_plugin_route_is_served(settings, clock):
    plugin = RoutePlugin("/plugins/acme/ping", methods=("GET", "POST"))
    application = create_app(settings, clock=clock, extra_plugins=[plugin])
    async with serving(application) as http:
        got = await http.get("/plugins/acme/ping")
        posted = await http.post("/plugins/acme/ping", content=b"x")
        missing = await http.get("/plugins/acme/other")
        wrong_method = await http.delete("/plugins/acme/ping")
    assert (got.status_code, got.text) == (200, "pong GET")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert (posted.status_code, posted.text) == (200, "pong POST")
    assert missing.status_code == 404
    assert wrong_method.status_code == 405


# ---- (d) observers ----------------------------------------------------------------------------


def test_a_failing_observer_does_not_stop_the_others(tmp_path, caplog):
    first, exploder, last = Recorder(), Exploder(), Recorder()
    host = PluginHost(dev_settings(tmp_path), extra_plugins=[first, exploder, last])
    event = Event(type="login.failed", outcome="failure", at=datetime(2026, 11, 30, tzinfo=UTC))
    with caplog.at_level(logging.ERROR, logger="uidp.plugins"):
        host.emit(event)
    assert first.events == [event]
    assert last.events == [event]
    assert exploder.calls == 1
    assert "on_event observer" in caplog.text and "login.failed" in caplog.text


async def test_observers_see_real_events_and_a_failing_one_breaks_nothing(settings, clock):
    recorder = Recorder()
    application = create_app(settings, clock=clock, extra_plugins=[Exploder(), recorder])
    async with serving(application) as http:
        response = await http.post(
            "/graphql", json={"query": LOGIN, "variables": {"i": {"identifier": "15012340058", "password": "x"}}}
        )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["loginWithPassword"]["__typename"] == "LoginFailed"
    assert [e.type for e in recorder.events] == ["login.failed"]
    assert recorder.events[0].outcome == "failure"


# ---- (e) production ---------------------------------------------------------------------------


def test_production_refuses_sandbox_plugins(tmp_path):
    host = PluginHost(production_settings(tmp_path))
    with pytest.raises(ConfigError, match="sandbox") as refused:
        host.check_production()
    assert "sms_gateway:sandbox" in str(refused.value)
    assert "UIDP_ALLOW_SANDBOX" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_production_allows_sandbox_when_told(tmp_path):
    PluginHost(production_settings(tmp_path, allow_sandbox=True)).check_production()


def test_production_refuses_a_sandbox_login_method_too(tmp_path):
    host = PluginHost(
        production_settings(tmp_path, disabled_plugins="plugins.sandbox"),
        extra_plugins=[VerifierPlugin("sms_gateway", RealGateway()), LoginPlugin(StubLogin("throwaway"))],
    )
    with pytest.raises(ConfigError, match=r"sandbox plugins \(login:throwaway\)"):
        host.check_production()


def test_production_with_real_plugins_starts(tmp_path):
    host = PluginHost(
        production_settings(tmp_path, disabled_plugins="plugins.sandbox"),
        extra_plugins=[VerifierPlugin("sms_gateway", RealGateway())],
    )
    host.check_production()
    assert host.sandbox_parts() == []


def test_production_needs_an_sms_gateway(tmp_path):
    host = PluginHost(production_settings(tmp_path, disabled_plugins="plugins.sandbox"))
    with pytest.raises(ConfigError, match="needs an SMS gateway"):
        host.check_production()


def test_create_app_refuses_sandbox_in_production(tmp_path):
    with pytest.raises(ConfigError, match="sandbox"):
        create_app(production_settings(tmp_path))


class AddressPlugin:
    """A partner-callback-like route that answers the address the core would audit."""

    @staticmethod
    async def whoami(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request_client(request).address)

    @hookimpl
    def register_routes(self, register) -> None:
        register("/plugins/address/whoami", self.whoami)


async def test_a_plugin_route_sees_the_client_address_the_core_sees(make_settings, clock):
    """X-Forwarded-For counts only from a trusted proxy, for plugin routes as for GraphQL (decision 111)."""
    for trusted, expected in (("", "203.0.113.7"), ("203.0.113.7", "198.51.100.9")):
        application = create_app(make_settings(trusted_proxies=trusted), clock=clock, extra_plugins=[AddressPlugin()])
        async with serving(application) as http:
            response = await http.get("/plugins/address/whoami", headers={"x-forwarded-for": "198.51.100.9"})
        assert (response.status_code, response.text) == (200, expected)
