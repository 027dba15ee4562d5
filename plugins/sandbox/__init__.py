"""Sandbox verifiers for the dev profile: an SMS gateway that writes to an outbox file, and a bank-card verifier.

The outbox is a JSON-lines file ``DATA_DIR/sandbox-sms-outbox.jsonl``; staff read it through the
``sandboxOutbox`` query and the CLI through ``uidp sms-outbox``. The bank-card verifier answers from the card
number alone (``plugins.sandbox.bank_card``; test cards in docs/plugins.md); the business registry answers
from a fixed table of credit codes (``plugins.sandbox.registry``; also in docs/plugins.md). ``uidp sandbox
scan`` plays the scan channels' sandbox partners (``plugins.sandbox.scan``). Production refuses this plugin
unless UIDP_ALLOW_SANDBOX is set.

A real implementation of a kind (``sandbox = False``, e.g. ``plugins.bankcard_http``) replaces the sandbox one
without any switch. ``UIDP_SANDBOX_BANK_CARD=off`` and ``UIDP_SANDBOX_BUSINESS_REGISTRY=off`` leave the kind
without any implementation (to try the answers for a missing verifier). The SMS gateway always registers.
"""

from __future__ import annotations

import argparse
import os

from plugins.sandbox.bank_card import TEST_CARDS, SandboxBankCardVerifier
from plugins.sandbox.registry import TEST_ENTITIES, SandboxBusinessRegistry
from plugins.sandbox.scan import add_scan_command
from uidp.plugin_api import (
    SANDBOX_SMS_OUTBOX,
    CommandLine,
    JsonLinesOutbox,
    RegisterVerifier,
    Settings,
    VerifierKind,
    hookimpl,
)

SWITCH = "UIDP_SANDBOX_BANK_CARD"  # "off": no bank-card verifier at all
REGISTRY_SWITCH = "UIDP_SANDBOX_BUSINESS_REGISTRY"  # "off": no business registry at all

__all__ = [
    "TEST_CARDS",
    "TEST_ENTITIES",
    "SandboxBankCardVerifier",
    "SandboxBusinessRegistry",
    "SandboxSmsGateway",
    "register_commands",
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


def switched_on(variable: str) -> bool:
    """Whether a ``UIDP_SANDBOX_*`` switch leaves its kind to the sandbox (on unless set to off)."""
    return os.environ.get(variable, "on").strip().lower() not in ("0", "off", "false", "no")


@hookimpl
def register_verifiers(register: RegisterVerifier, settings: Settings) -> None:
    register(VerifierKind.SMS_GATEWAY, SandboxSmsGateway(JsonLinesOutbox(settings.data_dir / SANDBOX_SMS_OUTBOX)))
    if switched_on(SWITCH):
        register(VerifierKind.BANK_CARD, SandboxBankCardVerifier())
    if switched_on(REGISTRY_SWITCH):
        register(VerifierKind.BUSINESS_REGISTRY, SandboxBusinessRegistry())


@hookimpl
def register_commands(cli: CommandLine) -> None:
    def show_outbox(args: argparse.Namespace) -> None:
        match = {"phone": args.phone} if args.phone else {}
        outbox = JsonLinesOutbox(cli.settings().data_dir / SANDBOX_SMS_OUTBOX)
        for message in outbox.read(limit=args.limit, **match):
            print(f"{message['at']}  {message['phone']}  {message['purpose']}  {message['text']}")

    outbox = cli.add_command("sms-outbox", help="dev: show the sandbox SMS outbox", run=show_outbox)
    outbox.add_argument("--phone")
    outbox.add_argument("--limit", type=int, default=10)
    add_scan_command(cli)
