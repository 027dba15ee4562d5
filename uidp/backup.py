"""``uidp backup FILE`` and ``uidp restore FILE``: a consistent copy of the database, and its way back.

SQLite (the embedded default) is copied with SQLite's online backup API, so workers keep serving and writing
while it runs; the copy is one consistent snapshot. PostgreSQL is dumped by ``pg_dump --format=custom`` (one
snapshot too) and restored by ``pg_restore``. Neither holds the keys: without the same ``UIDP_PII_KEYS``,
``UIDP_BLIND_INDEX_KEY`` and ``UIDP_PASSWORD_PEPPER`` a restored database cannot be read or logged into, so
keep the keys, apart from the backups.

A restore goes into a fresh database only, and only from a backup at this release's schema version; anything
else is refused with one line (:class:`RestoreRefused`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from uidp.config import Settings
from uidp.schema_version import MIGRATIONS_TABLE, compare, describe, shipped_migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class RestoreRefused(Exception):
    """A restore that would not give a working database; the message is one line."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    version: str

    def line(self) -> str:
        return f"backup written to {self.path} ({self.size} bytes, schema {self.version})"


def backup(settings: Settings, target: Path) -> BackupReport:
    """Write a consistent backup of the configured database to ``target`` (replaced atomically when done)."""
    url = settings.resolved_database_url()
    partial = target.with_name(target.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    if url.startswith("sqlite://"):
        _sqlite_backup(Path(url.removeprefix("sqlite://")), partial)
        version = describe(_sqlite_applied(partial))
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), "--dbname", _libpq_url(url)])
        version = describe(_dump_applied(partial))
    os.replace(partial, target)
    return BackupReport(target, target.stat().st_size, version)


def restore(settings: Settings, source: Path) -> str:
    """Restore ``source`` into the configured database, which must be fresh; returns the report line."""
    with source.open("rb") as handle:
        head = handle.read(16)
    url = settings.resolved_database_url()
    if head.startswith(SQLITE_MAGIC):
        if not url.startswith("sqlite://"):
            raise RestoreRefused("this is a SQLite backup; UIDP_DATABASE_URL names PostgreSQL")
        _check_version(_sqlite_applied(source))
        target = Path(url.removeprefix("sqlite://"))
        if target.exists() and target.stat().st_size > 0:
            _refuse_existing(_sqlite_applied(target), _sqlite_applied(source))
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_backup(source, target)
    elif head.startswith(PGDUMP_MAGIC):
        if url.startswith("sqlite://"):
            raise RestoreRefused("this is a PostgreSQL dump; UIDP_DATABASE_URL names SQLite")
        applied = _dump_applied(source)
        _check_version(applied)
        existing = _pg_tables(url)
        if existing is not None:
            _refuse_existing(existing, applied)
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(url), str(source)])
    else:
        raise RestoreRefused(f"{source} is neither a SQLite backup nor a pg_dump custom-format dump")
    return f"restored {source} (schema {describe(shipped_migrations())}); start the workers"


def _check_version(applied: list[str]) -> None:
    state = compare(applied)
    if state != "ok":
        raise RestoreRefused(
            f"the backup is at schema {describe(applied)}, this release at {describe(shipped_migrations())}: "
            "restore it with the release that made it, then upgrade with `uidp migrate`"
        )


def _refuse_existing(target_applied: list[str], backup_applied: list[str]) -> None:
    if sorted(target_applied) != sorted(backup_applied):
        raise RestoreRefused(
            f"the database has schema {describe(target_applied)}, the backup {describe(backup_applied)}: "
            "restore into a fresh database"
        )
    raise RestoreRefused("the database already holds data: restore into a fresh database (or drop this one first)")


def _sqlite_backup(source: Path, target: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _sqlite_applied(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = 'uidp'").fetchall()
        except sqlite3.DatabaseError:
            return []
    return sorted(str(row[0]) for row in rows)


def _dump_applied(path: Path) -> list[str]:
    """The migration names in a custom-format dump, read without restoring it (the table's COPY data)."""
    text = _run(["pg_restore", "--data-only", "--table", MIGRATIONS_TABLE, "--file", "-", str(path)])
    names = []
    copying = False
    for line in text.splitlines():
        if line.startswith(f"COPY public.{MIGRATIONS_TABLE} "):
            copying = True
            columns = re.findall(r"\w+", line.split("(", 1)[1].split(")", 1)[0])
        elif copying and line == "\\.":
            copying = False
        elif copying:
            values = dict(zip(columns, line.split("\t"), strict=False))
            if values.get("app") == "uidp":
                names.append(values["name"])
    return sorted(names)


def _pg_tables(url: str) -> list[str] | None:
    """None for an empty database; else its applied migrations (empty when it has tables but no migrations)."""
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    if _run(["psql", "--no-psqlrc", "-tA", "-d", _libpq_url(url), "-c", query]).strip() == "0":
        return None
    try:
        names = _run(
            [
                "psql",
                "--no-psqlrc",
                "-tA",
                "-d",
                _libpq_url(url),
                "-c",
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = 'uidp' ORDER BY name",
            ]
        )
    except RestoreRefused:
        return []
    return [line for line in names.splitlines() if line]


def _libpq_url(url: str) -> str:
    """The Tortoise URL as libpq reads it: ``postgresql://`` and without Tortoise's own query options."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise RestoreRefused(f"{command[0]} is not installed (the PostgreSQL client tools are needed)") from error
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise RestoreRefused(f"{command[0]}: {reason}")
    return done.stdout
