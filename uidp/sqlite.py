"""The embedded database (SQLite): commits that do not wait for the disk, and checkpoints off the request path.

Tortoise talks to SQLite through one connection per worker, so every query waits for the one before it. With
SQLite's defaults in WAL mode (``synchronous=FULL``) each commit fsyncs the WAL, and this machine's disk
sometimes holds an fsync for about a second: every read queued behind a login's commit waited that long too.

So the connection runs with ``synchronous=NORMAL`` (a commit writes the WAL but does not fsync it) and, in a
serving worker, with ``wal_autocheckpoint=0``: the checkpoints, which do fsync, run every
:data:`CHECKPOINT_SECONDS` in a thread on a connection of their own (:func:`run_checkpoints`), so no request
waits for them. A serving worker also reads sessions on a read-only connection of its own (:func:`reader_for`).

What this costs (docs/operations.md, "Performance"): nothing on a crash of the process (kill -9, OOM): a
committed transaction is in the WAL file, in the operating system's cache, and the next open replays it. On a
power loss or kernel crash the transactions committed since the last checkpoint (at most about
``CHECKPOINT_SECONDS`` plus the checkpoint's own duration) may be lost; the file is never corrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tortoise import connections

log = logging.getLogger("uidp.sqlite")

#: The pragmas every uidp connection to SQLite sets (through the Tortoise URL); Tortoise already sets WAL.
PRAGMAS = {"synchronous": "NORMAL"}
#: Seconds between the checkpoints of a serving worker; the most recent commits a power loss can cost.
CHECKPOINT_SECONDS = 1.0
#: How long the reader may wait for a lock (only WAL recovery after a crash takes one); then Tortoise's path.
READER_TIMEOUT = 0.2


def sqlite_url(url: str) -> str:
    """``url`` with :data:`PRAGMAS` added (an operator's own query parameters win)."""
    base, _, query = url.partition("?")
    given = {part.split("=", 1)[0] for part in query.split("&") if part}
    extra = [f"{name}={value}" for name, value in PRAGMAS.items() if name not in given]
    return base + "?" + "&".join([part for part in query.split("&") if part] + extra) if extra else url


def checkpoint(path: Path | str) -> tuple[int, int, int]:
    """One PASSIVE checkpoint on a connection of its own: (busy, WAL frames, frames checkpointed).

    PASSIVE neither waits for nor blocks readers and writers; what it cannot copy now it copies next time.
    """
    db = sqlite3.connect(path, timeout=0)
    try:
        row = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        db.close()
    return int(row[0]), int(row[1]), int(row[2])


async def run_checkpoints(path: Path | str, seconds: float = CHECKPOINT_SECONDS) -> None:
    """Checkpoint ``path`` every ``seconds`` in a thread until cancelled; failures are logged, not raised."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(checkpoint, path)
        except sqlite3.Error:
            log.warning("sqlite checkpoint failed; retried in %s s", seconds, exc_info=True)


@dataclass
class Serving:
    """What a serving worker runs beside Tortoise's connection: the checkpoint task and the reader."""

    path: str
    task: asyncio.Task[None]
    reader: sqlite3.Connection


_READERS: dict[str, sqlite3.Connection] = {}


def reader_for(path: str | None) -> sqlite3.Connection | None:
    """The read-only connection of a serving worker on ``path``, or None (not serving, or not SQLite)."""
    return _READERS.get(path) if path else None


async def start_checkpoints(url: str) -> Serving | None:
    """In a serving worker on SQLite: stop the connection's own checkpoints, start :func:`run_checkpoints` and
    open a read-only connection for :func:`reader_for`.

    The reader serves the session lookup of every request on the event loop's thread (a row by a unique
    index, about 15 µs): in WAL mode it sees every committed transaction at once, never waits for a writer,
    and skips the queue of Tortoise's one connection. Returns None on another database.
    """
    if not url.startswith("sqlite://"):
        return None
    path = url.removeprefix("sqlite://").partition("?")[0]
    if path in ("", ":memory:"):
        return None
    await connections.get("default").execute_script("PRAGMA wal_autocheckpoint=0")
    reader = sqlite3.connect(path, timeout=READER_TIMEOUT, isolation_level=None, check_same_thread=False)
    reader.execute("PRAGMA query_only=1")
    _READERS[path] = reader
    return Serving(path, asyncio.create_task(run_checkpoints(path), name="sqlite-checkpoints"), reader)


async def stop_checkpoints(serving: Serving | None) -> None:
    """Cancel the checkpoint task and close the reader; the connection's close checkpoints what is left."""
    if serving is not None:
        serving.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving.task
        if _READERS.get(serving.path) is serving.reader:
            del _READERS[serving.path]
        serving.reader.close()
