"""Tortoise configuration and schema migrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise import Tortoise

from uidp.config import Settings
from uidp.models import MODEL_MODULES

if TYPE_CHECKING:
    from uidp.services.auth.login_identifiers import BackfillReport

APP_LABEL = "uidp"
MIGRATIONS_MODULE = "uidp.migrations"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """The Tortoise config dict for these settings (one app, one connection)."""
    url = settings.resolved_database_url()
    if url.startswith("sqlite://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        connection: Any = url
    else:
        connection = url + ("&" if "?" in url else "?") + f"maxsize={settings.db_pool_max}"
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
