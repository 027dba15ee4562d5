"""A small append-only JSON-lines file shared by the server and the CLI (dev profile only).

Used for the sandbox SMS outbox and for dev-peek captcha answers, so `uidp sms-outbox` and staff queries
can read what an in-process store would otherwise keep out of reach of another process.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

SANDBOX_SMS_OUTBOX = "sandbox-sms-outbox.jsonl"  # in DATA_DIR: the sandbox SMS gateway writes, the core reads

_lock = threading.Lock()


class JsonLinesOutbox:
    """Appends records with a timestamp; reads the newest first. Trimmed to ``keep`` records."""

    def __init__(self, path: Path, keep: int = 2000) -> None:
        self.path = Path(path)
        self.keep = keep

    async def append(self, record: dict[str, Any]) -> None:
        await anyio.to_thread.run_sync(self.append_sync, record)

    def append_sync(self, record: dict[str, Any]) -> None:
        line = json.dumps({"at": datetime.now(UTC).isoformat(), **record}, ensure_ascii=False)
        with _lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
            if self.path.stat().st_size > self.keep * 400:
                lines = self.path.read_text(encoding="utf-8").splitlines()[-self.keep :]
                self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def read(self, *, limit: int = 20, **match: str) -> list[dict[str, Any]]:
        """Newest first, keeping records whose fields equal every ``match`` value."""
        if not self.path.exists():
            return []
        found: list[dict[str, Any]] = []
        for line in reversed(self.path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            record = json.loads(line)
            if all(record.get(k) == v for k, v in match.items()):
                found.append(record)
                if len(found) >= limit:
                    break
        return found
