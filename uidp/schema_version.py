"""The schema version: which migrations a database has applied, against the ones this release ships.

Readiness refuses traffic until they agree, and a restore refuses a backup taken at another version.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from tortoise import connections

from uidp.db import APP_LABEL, MIGRATIONS_MODULE

MIGRATIONS_TABLE = "tortoise_migrations"


def shipped_migrations() -> list[str]:
    """The migrations of this release, in order (``0001_initial``, ...)."""
    module = importlib.import_module(MIGRATIONS_MODULE)
    folder = Path(module.__file__ or "").parent
    return sorted(path.stem for path in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))


def describe(names: list[str]) -> str:
    """A version in one word: the newest migration (``none`` for an empty list)."""
    return sorted(names)[-1] if names else "none"


def compare(applied: list[str]) -> str:
    """``ok`` when ``applied`` is exactly this release's migrations, ``pending`` when some are missing, ``ahead``
    when the database knows migrations this release does not."""
    shipped = set(shipped_migrations())
    if set(applied) - shipped:
        return "ahead"
    return "ok" if set(applied) == shipped else "pending"


async def applied_migrations() -> list[str]:
    """The migrations the default connection's database has applied (empty for a fresh database)."""
    connection = connections.get("default")
    try:
        rows = await connection.execute_query_dict(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = '{APP_LABEL}'")
    except Exception:
        await connection.execute_query("SELECT 1")  # the database answers: only the table is missing
        return []
    return sorted(str(row["name"]) for row in rows)


async def schema_state() -> str:
    """:func:`compare` for the default connection's database."""
    return compare(await applied_migrations())
