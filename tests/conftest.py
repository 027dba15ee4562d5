"""Shared fixtures: a fresh database per test (SQLite file, or a PostgreSQL database made for the run),
the store (memory, or Redis with a per-test prefix), a manual clock, and an HTTP client on the app.

Environment:
- ``UIDP_TEST_DATABASE_URL``: a PostgreSQL server URL (``postgres://postgres@127.0.0.1:5432/test``);
  the run creates its own database beside it and drops it at the end. Unset: SQLite files.
- ``UIDP_TEST_STORE_URL``: ``redis://127.0.0.1:6379/0`` to run on Redis; unset: in-process store.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import Tortoise, connections

from tests.log_guard import pytest_configure, pytest_sessionfinish
from tests.support import Api
from uidp.app import create_app
from uidp.clock import ManualClock
from uidp.config import Settings
from uidp.db import migrate, tortoise_config
from uidp.models import MODEL_MODULES

PG_BASE = os.environ.get("UIDP_TEST_DATABASE_URL", "")
STORE_URL = os.environ.get("UIDP_TEST_STORE_URL", "memory://")
# Monday 2026-11-30 10:00 in Asia/Shanghai: inside the registration window.
DEFAULT_NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _pg_admin_dsn() -> str:
    return PG_BASE.replace("postgres://", "postgresql://", 1)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, anyio_backend: str) -> Iterator[str]:
    """SQLite: a migrated template file copied per test. PostgreSQL: one migrated database per run."""
    import asyncio

    if PG_BASE:
        name = f"uidp_test_{uuid.uuid4().hex[:10]}"
        url = PG_BASE.rsplit("/", 1)[0] + "/" + name

        async def create() -> None:
            conn = await asyncpg.connect(_pg_admin_dsn())
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()
            await migrate(Settings.from_env({}, data_dir=tmp_path_factory.mktemp("pg"), database_url=url))
            await _generate(url)

        async def drop() -> None:
            conn = await asyncpg.connect(_pg_admin_dsn())
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        asyncio.run(create())
        yield url
        asyncio.run(drop())
        return
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"

    async def build() -> None:
        await migrate(Settings.from_env({}, data_dir=folder, database_url=f"sqlite://{path}"))
        await _generate(f"sqlite://{path}")

    asyncio.run(build())
    yield str(path)


async def _generate(url: str) -> None:
    """Tables straight from the models, for work in progress; tests/test_migrations.py keeps migrations honest."""
    await Tortoise.init(config=tortoise_config(Settings.from_env({}, data_dir=Path("/tmp"), database_url=url)))
    try:
        await Tortoise.generate_schemas(safe=True)
    finally:
        await Tortoise.close_connections()


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> str:
    if PG_BASE:
        return template_db
    path = tmp_path / "uidp.sqlite3"
    shutil.copyfile(template_db, path)
    return f"sqlite://{path}"


async def _truncate_all() -> None:
    tables = []
    for app in Tortoise.apps.values():
        tables += [model._meta.db_table for model in app.values()]
    await connections.get("default").execute_script("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEFAULT_NOW)


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str):
    prefix = f"uidp-test:{uuid.uuid4().hex[:8]}:"

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "store_url": STORE_URL,
            "store_prefix": prefix,
            "bcrypt_rounds": 4,
        }
        values.update(overrides)
        return Settings.from_env({}, **values)

    return make


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def uidp_settings(make_settings):
    """uidp.testing's conformance suites on this run's database and store (PostgreSQL + Redis when set)."""
    return make_settings


@pytest.fixture
def extra_plugins() -> list[Any]:
    """Plugins the app is built with besides the defaults; a test module overrides this fixture."""
    return []


@pytest.fixture
async def app(settings: Settings, clock: ManualClock, extra_plugins: list[Any]) -> AsyncIterator[Any]:
    """The app with its lifespan running; the runtime is ``app.state.runtime``."""
    application = create_app(settings, clock=clock, extra_plugins=extra_plugins)
    async with application.router.lifespan_context(application):
        if PG_BASE:
            await _truncate_all()
        yield application
        await _clear_store(application.state.runtime)


async def _clear_store(rt: Any) -> None:
    client = getattr(rt.store, "client", None)
    if client is None:
        return
    async for key in client.scan_iter(match=f"{rt.settings.store_prefix}*"):
        await client.delete(key)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def rt(app: Any) -> Any:
    return app.state.runtime


@pytest.fixture
def api(client: httpx.AsyncClient, rt: Any) -> Api:
    return Api(client, rt)


__all__ = ["MODEL_MODULES", "pytest_configure", "pytest_sessionfinish", "tortoise_config"]
