"""`uidp migrate` builds exactly the schema the models describe: no model change lacks a migration."""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from uidp.config import Settings
from uidp.db import tortoise_config

pytestmark = pytest.mark.anyio


async def test_models_and_migrations_agree(tmp_path):
    config = tortoise_config(Settings.from_env({}, data_dir=tmp_path, database_url=f"sqlite://{tmp_path}/m.db"))
    await Tortoise.init(config=config)
    try:
        apps_config = {label: dict(app) for label, app in config["apps"].items()}
        writers = await MigrationAutodetector(Tortoise.apps, apps_config).changes()
    finally:
        await Tortoise.close_connections()
    assert not writers, "models changed without a migration: run `uidp makemigrations`"
