"""The pytest plugin of uidp.testing (loaded through the ``pytest11`` entry point when uidp is installed).

It gives the suites ``uidp_settings``: a factory of settings on a fresh, migrated SQLite database in the test's
temporary folder with the in-process store. A project that runs uidp on PostgreSQL or Redis in its tests
overrides the fixture in its ``conftest.py`` (uidp's own tests do, so the suites run on both).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from uidp.config import Settings
from uidp.testing.harness import SettingsFactory


@pytest.fixture(scope="session")
def uidp_migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database per run; each test copies it."""
    from uidp.db import migrate

    folder = tmp_path_factory.mktemp("uidp-template")
    path = folder / "template.sqlite3"
    asyncio.run(migrate(Settings.from_env({}, data_dir=folder, database_url=f"sqlite://{path}")))
    return path


@pytest.fixture
def uidp_settings(uidp_migrated_template: Path, tmp_path: Path) -> SettingsFactory:
    """``uidp_settings(**overrides)``: dev-profile settings on this test's own database copy."""
    database = tmp_path / "uidp-kit.sqlite3"
    shutil.copyfile(uidp_migrated_template, database)
    prefix = f"uidp-kit:{uuid.uuid4().hex[:8]}:"

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "uidp-data",
            "database_url": f"sqlite://{database}",
            "store_url": "memory://",
            "store_prefix": prefix,
            "bcrypt_rounds": 4,
        }
        values.update(overrides)
        return Settings.from_env({}, **values)

    return make
