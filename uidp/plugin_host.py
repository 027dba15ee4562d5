"""The plugin manager: built-in plugins by dotted name, third-party ones through entry points."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import pluggy

import uidp.hookspecs as hookspecs
from uidp.config import ConfigError, Settings
from uidp.events import Event
from uidp.hookspecs import VERIFIER_PROTOCOLS, Endpoint, PluginError, Verifier, VerifierKind
from uidp.observability.timed import TimedVerifier
from uidp.ports import BankCardVerifier, BusinessRegistry, LoginMethod, SmsGateway

log = logging.getLogger("uidp.plugins")

DEFAULT_PLUGINS: tuple[str, ...] = (
    "plugins.password",
    "plugins.sandbox",
    "plugins.ca",
    "plugins.ehuiban",
    "plugins.esscard",
    "plugins.elicense",
)
ENTRY_POINT_GROUP = "uidp"

__all__ = ["DEFAULT_PLUGINS", "PluginError", "PluginHost", "PluginRoute", "load_plugins"]


@dataclass(frozen=True)
class PluginRoute:
    path: str
    endpoint: Endpoint
    methods: tuple[str, ...]
    plugin: str = ""


def route_shape(path: str) -> str:
    """The path with its parameters blanked: ``/plugins/a/{x}`` and ``/plugins/a/{y:int}`` are one route."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def load_plugins(
    plugins: Iterable[str] = (), disabled: Iterable[str] = (), extra: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, the dotted ``plugins``, the entry points and ``extra``, less the
    ``disabled`` names; a hook implementation whose name matches no hook is refused."""
    pm = pluggy.PluginManager("uidp")
    pm.add_hookspecs(hookspecs)
    blocked = set(disabled)
    for name in blocked:
        # Blocked before loading: a disabled entry point is never imported (so a broken one can be
        # switched off), and nothing can register under a disabled name later.
        pm.set_blocked(name)
    for name in dict.fromkeys((*DEFAULT_PLUGINS, *plugins)):
        if name not in blocked:
            pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()
    return pm


def implementations(pm: pluggy.PluginManager, hook: str) -> list[pluggy.HookImpl]:
    """The implementations of ``hook`` in the order pluggy calls them (last registered first). The host calls
    them one by one, so a wrapper (``@hookimpl(wrapper=True)``) could not wrap anything: it is refused."""
    caller: pluggy.HookCaller = getattr(pm.hook, hook)
    found = caller.get_hookimpls()
    wrappers = [plugin_label(impl) for impl in found if impl.wrapper or impl.hookwrapper]
    if wrappers:
        raise PluginError(f"{hook} takes no hook wrappers ({', '.join(wrappers)})")
    return list(reversed(found))


def call(impl: pluggy.HookImpl, **arguments: Any) -> None:
    """Call one implementation with the arguments it names, as pluggy does (so the host knows whose it is)."""
    impl.function(*[arguments[name] for name in impl.argnames])


def plugin_label(impl: pluggy.HookImpl) -> str:
    """A plugin's name for messages: its module or entry-point name, else its class (``extra_plugins``)."""
    return type(impl.plugin).__name__ if impl.plugin_name.isdigit() else impl.plugin_name


class PluginHost:
    """Loads plugins, collects what they register, and offers typed accessors for it."""

    def __init__(self, settings: Settings, extra_plugins: Iterable[object] = ()) -> None:
        self.settings = settings
        self.pm = load_plugins(
            settings.list_of(settings.plugins), settings.list_of(settings.disabled_plugins), extra_plugins
        )
        self._login_methods: dict[str, LoginMethod] = {}
        self._login_method_plugins: dict[str, str] = {}
        # by kind; tests may swap an implementation here
        self.verifiers: dict[VerifierKind, Verifier] = {}
        self._verifier_plugins: dict[VerifierKind, str] = {}
        self.routes: list[PluginRoute] = []
        self._collect()

    # ---- collection ---------------------------------------------------------------------------

    def _collect(self) -> None:
        for impl in implementations(self.pm, "register_login_methods"):
            call(impl, register=partial(self._add_login_method, plugin=plugin_label(impl)), settings=self.settings)
        for impl in implementations(self.pm, "register_verifiers"):
            call(impl, register=partial(self._add_verifier, plugin=plugin_label(impl)), settings=self.settings)
        for impl in implementations(self.pm, "register_routes"):
            call(impl, register=partial(self._add_route, plugin=plugin_label(impl)), settings=self.settings)
        implementations(self.pm, "on_event")  # refuses a wrapper now rather than ignore it at each event

    def _add_login_method(self, method: object, *, plugin: str = "") -> None:
        if not isinstance(method, LoginMethod):
            raise PluginError(f"{method!r} is not a LoginMethod (id, label, sandbox, complete)")
        if method.id in self._login_methods:
            raise PluginError(
                f"login method {method.id!r} is registered twice: by {self._login_method_plugins[method.id]}, "
                f"then by {plugin}; ids are unique (leave one plugin out with UIDP_DISABLED_PLUGINS)"
            )
        self._login_methods[method.id] = method
        self._login_method_plugins[method.id] = plugin

    def _add_verifier(self, kind: VerifierKind | str, implementation: object, *, plugin: str) -> None:
        try:
            known = VerifierKind(kind)
        except ValueError:
            raise PluginError(f"unknown verifier kind {kind!r}; known: {', '.join(VerifierKind)}") from None
        if not isinstance(implementation, VERIFIER_PROTOCOLS[known]):
            raise PluginError(f"{implementation!r} does not follow the {known} protocol")
        self._place(known, cast(Verifier, implementation), plugin)

    def _place(self, kind: VerifierKind, implementation: Verifier, plugin: str) -> None:
        """One implementation per kind: a real one replaces a sandbox one; two real ones are refused."""
        current = self.verifiers.get(kind)
        if current is not None and current.sandbox == implementation.sandbox:
            raise PluginError(
                f"a second {kind} was registered: {implementation.id!r} by {plugin}, after {current.id!r} by "
                f"{self._verifier_plugins[kind]}; disable one of them (UIDP_DISABLED_PLUGINS)"
            )
        if current is not None and implementation.sandbox:
            return  # the real one registered first stays
        if current is not None:
            log.info("%s %r (%s) replaces the sandbox %r", kind, implementation.id, plugin, current.id)
        self.verifiers[kind] = implementation
        self._verifier_plugins[kind] = plugin

    def _add_route(self, path: str, endpoint: Endpoint, methods: Sequence[str] = ("GET",), *, plugin: str = "") -> None:
        if not path.startswith("/plugins/"):
            raise PluginError(f"plugin route {path!r} must start with /plugins/")
        for route in self.routes:
            if route_shape(route.path) == route_shape(path):
                raise PluginError(
                    f"plugin route {path!r} is registered twice: {route.path!r} by {route.plugin}, then by "
                    f"{plugin}; paths are unique (leave one plugin out with UIDP_DISABLED_PLUGINS)"
                )
        self.routes.append(PluginRoute(path, endpoint, tuple(methods), plugin))

    # ---- typed accessors ----------------------------------------------------------------------

    def login_method(self, method_id: str) -> LoginMethod | None:
        """The login method registered under ``method_id``, or None."""
        return self._login_methods.get(method_id)

    def login_methods(self) -> list[LoginMethod]:
        """Every registered login method."""
        return list(self._login_methods.values())

    def sms_gateway(self) -> SmsGateway:
        """The SMS gateway; ConfigError when no plugin registered one."""
        gateway = self._timed(VerifierKind.SMS_GATEWAY)
        if gateway is None:
            raise ConfigError("no SMS gateway plugin is installed")
        return cast(SmsGateway, gateway)

    def bank_card_verifier(self) -> BankCardVerifier | None:
        """The bank-card four-element verifier, or None when no plugin registered one."""
        return cast(BankCardVerifier | None, self._timed(VerifierKind.BANK_CARD))

    def business_registry(self) -> BusinessRegistry | None:
        """The business registry, or None when no plugin registered one."""
        return cast(BusinessRegistry | None, self._timed(VerifierKind.BUSINESS_REGISTRY))

    def _timed(self, kind: VerifierKind) -> TimedVerifier | None:
        """The verifier of ``kind`` with its calls observed (uidp_verifier_call_duration_seconds), or None."""
        verifier = self.verifiers.get(kind)
        return None if verifier is None else TimedVerifier(kind.value, verifier)

    # ---- production, observers ----------------------------------------------------------------

    def sandbox_parts(self) -> list[str]:
        """Ids of registered sandbox implementations (production refuses them unless allowed)."""
        parts = [f"login:{m.id}" for m in self._login_methods.values() if m.sandbox]
        parts += [f"{kind}:{v.id}" for kind, v in self.verifiers.items() if v.sandbox]
        return parts

    def check_production(self) -> None:
        """Refuse sandbox plugins in production unless UIDP_ALLOW_SANDBOX is set; require an SMS gateway."""
        if self.settings.is_production and VerifierKind.SMS_GATEWAY not in self.verifiers:
            raise ConfigError("production needs an SMS gateway plugin (register_verifiers kind sms_gateway)")
        if self.settings.is_production and not self.settings.allow_sandbox:
            parts = self.sandbox_parts()
            if parts:
                raise ConfigError(
                    "production refuses sandbox plugins (" + ", ".join(parts) + "); "
                    "install real ones or set UIDP_ALLOW_SANDBOX=true"
                )

    def emit(self, event: Event) -> None:
        """Tell every ``on_event`` observer; an observer's failure is logged, never raised."""
        for impl in self.pm.hook.on_event.get_hookimpls():
            try:
                call(impl, event=event)
            except Exception:
                log.exception("on_event observer %s failed for %s", impl.plugin_name, event.type)

    def plugin_names(self) -> list[str]:
        """Names of the loaded plugins (blocked ones excluded)."""
        return sorted(name for name, plugin in self.pm.list_name_plugin() if plugin is not None)  # None: blocked
