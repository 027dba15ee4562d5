"""Sandbox verifiers for the dev profile: an SMS gateway that writes to an outbox file.

The outbox is a JSON-lines file ``DATA_DIR/sandbox-sms-outbox.jsonl``; staff read it through the
``sandboxOutbox`` query and the CLI through ``uidp sms-outbox``. Production refuses this plugin unless
UIDP_ALLOW_SANDBOX is set.
"""

from __future__ import annotations

from uidp.hookspecs import hookimpl
from uidp.sandbox_outbox import JsonLinesOutbox
from uidp.services.sandbox import OUTBOX_FILE


class SandboxSmsGateway:
    """Delivers nothing: every message lands in the outbox, readable on the dev profile."""

    id = "sandbox"
    sandbox = True

    def __init__(self, outbox: JsonLinesOutbox) -> None:
        self.outbox = outbox

    async def send(self, phone: str, text: str, *, purpose: str) -> None:
        await self.outbox.append({"phone": phone, "text": text, "purpose": purpose})


@hookimpl
def register_verifiers(register, settings) -> None:
    register("sms_gateway", SandboxSmsGateway(JsonLinesOutbox(settings.data_dir / OUTBOX_FILE)))
