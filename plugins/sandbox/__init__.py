"""Sandbox verifiers for the dev profile: an SMS gateway that writes to an outbox file, and a bank-card verifier.

The outbox is a JSON-lines file ``DATA_DIR/sandbox-sms-outbox.jsonl``; staff read it through the
``sandboxOutbox`` query and the CLI through ``uidp sms-outbox``. The bank-card verifier answers from the card
number alone (``plugins.sandbox.bank_card``; test cards in docs/plugins.md); the business registry answers
from a fixed table of credit codes (``plugins.sandbox.registry``; also in docs/plugins.md). Production
refuses this plugin unless UIDP_ALLOW_SANDBOX is set.

The host accepts one bank-card verifier, so the sandbox steps aside when a real one is configured: when
``plugins.bankcard_http`` is listed in UIDP_PLUGINS, or when ``UIDP_SANDBOX_BANK_CARD=off`` (for a provider
plugin installed through an entry point). The SMS gateway stays either way.
"""

from __future__ import annotations

import os

from plugins.sandbox.bank_card import TEST_CARDS, SandboxBankCardVerifier
from plugins.sandbox.registry import TEST_ENTITIES, SandboxBusinessRegistry
from uidp.hookspecs import hookimpl
from uidp.sandbox_outbox import JsonLinesOutbox
from uidp.services.shared.sandbox import OUTBOX_FILE

REPLACED_BY = ("plugins.bankcard_http",)  # plugins that bring their own bank-card verifier
SWITCH = "UIDP_SANDBOX_BANK_CARD"
REGISTRY_SWITCH = "UIDP_SANDBOX_BUSINESS_REGISTRY"  # "off" leaves the kind to a real registry plugin

__all__ = [
    "TEST_CARDS",
    "TEST_ENTITIES",
    "SandboxBankCardVerifier",
    "SandboxBusinessRegistry",
    "SandboxSmsGateway",
    "register_verifiers",
]


class SandboxSmsGateway:
    """Delivers nothing: every message lands in the outbox, readable on the dev profile."""

    id = "sandbox"
    sandbox = True

    def __init__(self, outbox: JsonLinesOutbox) -> None:
        self.outbox = outbox

    async def send(self, phone: str, text: str, *, purpose: str) -> None:
        await self.outbox.append({"phone": phone, "text": text, "purpose": purpose})


def bank_card_wanted(settings) -> bool:
    """Whether the sandbox registers its bank-card verifier under these settings."""
    if any(name in settings.list_of(settings.plugins) for name in REPLACED_BY):
        return False
    return os.environ.get(SWITCH, "on").strip().lower() not in ("0", "off", "false", "no")


@hookimpl
def register_verifiers(register, settings) -> None:
    register("sms_gateway", SandboxSmsGateway(JsonLinesOutbox(settings.data_dir / OUTBOX_FILE)))
    if bank_card_wanted(settings):
        register("bank_card", SandboxBankCardVerifier())
    if os.environ.get(REGISTRY_SWITCH, "on").strip().lower() not in ("0", "off", "false", "no"):
        register("business_registry", SandboxBusinessRegistry())
