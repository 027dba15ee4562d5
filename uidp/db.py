"""Tortoise configuration and schema migrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from uidp.config import Settings
from uidp.models import MODEL_MODULES
from uidp.sqlite import sqlite_url

if TYPE_CHECKING:
    from uidp.services.auth.login_identifiers import BackfillReport

APP_LABEL = "uidp"
MIGRATIONS_MODULE = "uidp.migrations"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """The Tortoise config dict for these settings (one app, one connection)."""
    url = settings.resolved_database_url()
    if url.startswith("sqlite://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        connection: Any = sqlite_url(url)  # synchronous=NORMAL (uidp.sqlite)
    else:
        connection = postgres_connection(url, settings.db_pool_max)
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session_state(connection: Any) -> None:
    """The pool's reset: nothing to undo (see postgres_connection)."""


def postgres_connection(url: str, pool_max: int) -> dict[str, Any]:
    """The Tortoise connection for a PostgreSQL URL: a pool of ``pool_max`` that does not reset on release.

    asyncpg's default reset sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` each
    time a connection goes back to the pool, which with one query a request doubled the round trips and most
    of the database's CPU. uidp sets no session state (no SET, LISTEN, advisory locks or cursors outside a
    transaction), and asyncpg still rolls back a transaction left open. Prepared statements stay cached per
    connection (asyncpg's statement cache), so the fixed statements of the hot paths are parsed once.
    """
    config = expand_db_url(url)
    config["credentials"].update(maxsize=pool_max, reset=_keep_session_state, statement_cache_size=256)
    return config


@dataclass(frozen=True)
class MigrateReport:
    resealed: int  # PII values sealed before rows were bound, now bound to their row
    logins: BackfillReport

    def messages(self) -> list[str]:
        """What an operator should read after ``uidp migrate`` (counts and ids only)."""
        found = [f"{self.resealed} PII values sealed again, bound to their rows"] if self.resealed else []
        return found + self.logins.messages()


async def migrate(settings: Settings, *, create_db: bool = False) -> MigrateReport:
    """Apply every pending migration (``uidp migrate``), then fill keyed columns no SQL migration can compute."""
    from tortoise.migrations.api import migrate as run_migrations

    config = tortoise_config(settings)
    if create_db:
        await Tortoise.init(config=config, _create_db=True)
        await Tortoise.close_connections()
    try:
        await run_migrations(config=config)
    finally:
        await Tortoise.close_connections()
    await Tortoise.init(config=config)
    try:
        return await _backfill(settings)
    finally:
        await Tortoise.close_connections()


async def _backfill(settings: Settings) -> MigrateReport:
    from uidp.runtime import Crypto
    from uidp.services.auth.login_identifiers import LoginIdentifiers
    from uidp.services.shared.pii import Pii
    from uidp.services.shared.sealed_columns import reseal_column_only

    pii = Pii(Crypto.of(settings))
    resealed = await reseal_column_only(pii)  # first: the login backfill opens certificate numbers
    return MigrateReport(resealed, await LoginIdentifiers(pii).backfill())


def __getattr__(name: str) -> Any:
    """``uidp.db.TORTOISE_ORM``: the config from the environment, for Tortoise's own CLI."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings.from_env())
    raise AttributeError(name)
