"""Alipay web login (P4, manual §1.3.2): the authorize redirect, the auth_code callback, RSA2-signed gateway calls.

Not a default plugin: enable it with ``UIDP_PLUGINS=plugins.alipay`` and configure it with the ``UIDP_ALIPAY_*``
variables (``plugins.alipay.config``; docs/plugins.md, "Alipay login"), in public-key or public-key-certificate
mode. ``UIDP_ALIPAY_SANDBOX=on`` runs it against the built-in sandbox gateway instead (``plugins.alipay.sandbox``).
It registers the login method ``alipay`` and the routes ``/plugins/alipay/callback`` (Alipay's redirect) and
``/plugins/alipay/return`` (a minimal login-return page), ``/plugins/alipay/qr.svg`` (the authorize URL as a
QR code), plus the sandbox's authorize page when it is on.
"""

from __future__ import annotations

import os

import httpx

from plugins.alipay.callback import AuthorizeQr, Callback, return_page
from plugins.alipay.config import CALLBACK_PATH, KEY_MODES, QR_PATH, RETURN_PATH, AlipayConfig, return_url
from plugins.alipay.gateway import AlipayGateway, GatewayError
from plugins.alipay.method import AlipayLogin
from plugins.alipay.sandbox import AUTHORIZE_PATH, AuthorizePage, sandbox_setup
from uidp.plugin_api import ConfigError, RegisterLoginMethod, RegisterRoute, Settings, hookimpl

SANDBOX_SWITCH = "UIDP_ALIPAY_SANDBOX"

__all__ = ["AlipayConfig", "AlipayGateway", "AlipayLogin", "AlipayPlugin", "GatewayError"]


class AlipayPlugin:
    """The method and its routes for one configuration (tests build it with their own gateway transport)."""

    def __init__(self, config: AlipayConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.method = AlipayLogin(config, AlipayGateway(config, transport=transport))
        self.authorize_page: AuthorizePage | None = None

    @classmethod
    def sandboxed(cls, key_mode: str = "public_key", return_to: str = RETURN_PATH) -> AlipayPlugin:
        config, gateway, simulated = sandbox_setup(key_mode, return_to)
        plugin = cls(config)
        plugin.method = AlipayLogin(config, gateway)
        plugin.authorize_page = AuthorizePage(config, simulated)
        return plugin

    @hookimpl
    def register_login_methods(self, register: RegisterLoginMethod) -> None:
        register(self.method)

    @hookimpl
    def register_routes(self, register: RegisterRoute) -> None:
        register(CALLBACK_PATH, Callback(self.method.config).handle, methods=["GET"])
        register(RETURN_PATH, return_page, methods=["GET"])
        register(QR_PATH, AuthorizeQr(self.method).handle, methods=["GET"])
        if self.authorize_page is not None:
            register(AUTHORIZE_PATH, self.authorize_page.handle, methods=["GET", "POST"])


_configured: dict[tuple[int, tuple[tuple[str, str], ...]], AlipayPlugin] = {}


def _plugin(settings: Settings) -> AlipayPlugin:
    """One plugin per start (settings and variables): both hooks see the same method and the same sandbox."""
    key = (id(settings), tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("UIDP_ALIPAY_"))))
    plugin = _configured.get(key)
    if plugin is None:
        sandbox = os.environ.get(SANDBOX_SWITCH, "off").strip().lower() in ("1", "on", "true", "yes")
        mode = os.environ.get("UIDP_ALIPAY_KEY_MODE", "public_key").strip() or "public_key"
        if sandbox and mode not in KEY_MODES:
            raise ConfigError("UIDP_ALIPAY_KEY_MODE must be public_key or certificate")
        if sandbox:
            plugin = AlipayPlugin.sandboxed(mode, return_url(os.environ, settings))
        else:
            plugin = AlipayPlugin(AlipayConfig.from_env(settings))
        _configured.clear()
        _configured[key] = plugin
    return plugin


@hookimpl
def register_login_methods(register: RegisterLoginMethod, settings: Settings) -> None:
    _plugin(settings).register_login_methods(register)


@hookimpl
def register_routes(register: RegisterRoute, settings: Settings) -> None:
    _plugin(settings).register_routes(register)
