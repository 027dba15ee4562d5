"""Reading the sandbox SMS outbox (dev profile; the sandbox plugin writes it)."""

from __future__ import annotations

from typing import Any

from uidp.runtime import Runtime
from uidp.sandbox_outbox import SANDBOX_SMS_OUTBOX as OUTBOX_FILE
from uidp.sandbox_outbox import JsonLinesOutbox


def outbox(rt_or_dir: Runtime | Any) -> JsonLinesOutbox:
    data_dir = rt_or_dir.settings.data_dir if isinstance(rt_or_dir, Runtime) else rt_or_dir
    return JsonLinesOutbox(data_dir / OUTBOX_FILE)


def sandbox_messages(rt: Runtime, *, phone: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Newest first; only for the dev profile."""
    match = {"phone": phone} if phone else {}
    return outbox(rt).read(limit=limit, **match)
