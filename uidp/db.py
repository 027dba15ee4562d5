"""Tortoise configuration and schema migrations."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from uidp.config import Settings
from uidp.models import MODEL_MODULES

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


async def migrate(settings: Settings, *, create_db: bool = False) -> None:
    """Apply every pending migration (``uidp migrate``)."""
    from tortoise.migrations.api import migrate as run_migrations

    config = tortoise_config(settings)
    if create_db:
        await Tortoise.init(config=config, _create_db=True)
        await Tortoise.close_connections()
    try:
        await run_migrations(config=config)
    finally:
        await Tortoise.close_connections()


def __getattr__(name: str) -> Any:
    """``uidp.db.TORTOISE_ORM``: the config from the environment, for Tortoise's own CLI."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings.from_env())
    raise AttributeError(name)
