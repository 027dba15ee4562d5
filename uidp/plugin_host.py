"""The plugin manager: built-in plugins by dotted name, third-party ones through entry points."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pluggy

from uidp import hookspecs
from uidp.config import ConfigError, Settings
from uidp.events import Event
from uidp.ports import VERIFIER_KINDS, LoginMethod, SmsGateway

log = logging.getLogger("uidp.plugins")

DEFAULT_PLUGINS: tuple[str, ...] = ("plugins.password", "plugins.sandbox", "plugins.ca")
ENTRY_POINT_GROUP = "uidp"


class PluginError(Exception):
    """A plugin registered something the host cannot accept (duplicate id, wrong shape)."""


@dataclass(frozen=True)
class PluginRoute:
    path: str
    endpoint: Callable[..., Any]
    methods: tuple[str, ...]


class PluginHost:
    """Loads plugins, collects what they register, and offers a typed facade over ``pm.hook``."""

    def __init__(self, settings: Settings, extra_plugins: Iterable[object] = ()) -> None:
        self.settings = settings
        self.pm = pluggy.PluginManager("uidp")
        self.pm.add_hookspecs(hookspecs)
        disabled = set(settings.list_of(settings.disabled_plugins))
        for name in disabled:
            # Blocked before loading: a disabled entry point is never imported (so a broken one can be
            # switched off), and nothing can register under a disabled name later.
            self.pm.set_blocked(name)
        for name in dict.fromkeys((*DEFAULT_PLUGINS, *settings.list_of(settings.plugins))):
            if name not in disabled:
                self.pm.register(importlib.import_module(name), name=name)
        self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        for plugin in extra_plugins:
            self.pm.register(plugin)
        self.pm.check_pending()
        self.login_methods: dict[str, LoginMethod] = {}
        self.verifiers: dict[str, Any] = {}
        self.routes: list[PluginRoute] = []
        self._collect()

    # ---- collection ---------------------------------------------------------------------------

    def _collect(self) -> None:
        self.pm.hook.register_login_methods(register=self._add_login_method, settings=self.settings)
        self.pm.hook.register_verifiers(register=self._add_verifier, settings=self.settings)
        self.pm.hook.register_routes(register=self._add_route, settings=self.settings)

    def _add_login_method(self, method: Any) -> None:
        if not isinstance(method, LoginMethod):
            raise PluginError(f"{method!r} is not a LoginMethod (id, label, sandbox, authenticate)")
        if method.id in self.login_methods:
            raise PluginError(f"login method {method.id!r} is registered twice")
        self.login_methods[method.id] = method

    def _add_verifier(self, kind: str, implementation: Any) -> None:
        protocol = VERIFIER_KINDS.get(kind)
        if protocol is None:
            raise PluginError(f"unknown verifier kind {kind!r}; known: {', '.join(VERIFIER_KINDS)}")
        if not isinstance(implementation, protocol):
            raise PluginError(f"{implementation!r} does not follow the {kind} protocol")
        if kind in self.verifiers:
            raise PluginError(f"a second {kind} was registered: {implementation.id!r}")
        self.verifiers[kind] = implementation

    def _add_route(self, path: str, endpoint: Callable[..., Any], methods: Iterable[str] = ("GET",)) -> None:
        if not path.startswith("/plugins/"):
            raise PluginError(f"plugin route {path!r} must start with /plugins/")
        if any(route.path == path for route in self.routes):
            raise PluginError(f"plugin route {path!r} is registered twice")
        self.routes.append(PluginRoute(path, endpoint, tuple(methods)))

    # ---- facade -------------------------------------------------------------------------------

    @property
    def sms_gateway(self) -> SmsGateway:
        gateway = self.verifiers.get("sms_gateway")
        if gateway is None:
            raise ConfigError("no SMS gateway plugin is installed")
        return gateway

    def sandbox_parts(self) -> list[str]:
        """Ids of registered sandbox implementations (production refuses them unless allowed)."""
        parts = [f"login:{m.id}" for m in self.login_methods.values() if m.sandbox]
        parts += [f"{kind}:{v.id}" for kind, v in self.verifiers.items() if getattr(v, "sandbox", False)]
        return parts

    def check_production(self) -> None:
        """Refuse sandbox plugins in production unless UIDP_ALLOW_SANDBOX is set; require an SMS gateway."""
        if self.settings.is_production and "sms_gateway" not in self.verifiers:
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
                impl.function(event=event)
            except Exception:
                log.exception("on_event observer %s failed for %s", impl.plugin_name, event.type)

    def plugin_names(self) -> list[str]:
        return sorted(name for name, plugin in self.pm.list_name_plugin() if plugin is not None)  # None: blocked
