"""A bank-card four-element verifier that asks a card-verification provider over HTTPS (P7, P9b).

Not a default plugin. Enable it with ``UIDP_PLUGINS=plugins.bankcard_http`` and configure it with
UIDP_BANKCARD_HTTP_URL and UIDP_BANKCARD_HTTP_KEY (see ``plugins.bankcard_http.config``); it replaces the
sandbox bank-card verifier (a real implementation of a kind replaces a sandbox one). The protocol (POST
/v1/verify, GET /v1/checks/{reference}, HMAC-SHA256 signatures both ways) is documented in docs/plugins.md,
"HTTP bank-card verifier".
"""

from __future__ import annotations

from plugins.bankcard_http.client import BankCardHttpVerifier, ProviderError
from plugins.bankcard_http.config import HttpProviderConfig
from uidp.plugin_api import RegisterVerifier, Settings, VerifierKind, hookimpl

__all__ = ["BankCardHttpVerifier", "HttpProviderConfig", "ProviderError", "register_verifiers"]


@hookimpl
def register_verifiers(register: RegisterVerifier, settings: Settings) -> None:
    register(VerifierKind.BANK_CARD, BankCardHttpVerifier(HttpProviderConfig.from_env(settings)))
