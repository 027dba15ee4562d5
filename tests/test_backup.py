"""`uidp backup` while the app writes, a restore into a fresh data folder or database, and the refusals."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import PG_BASE
from tests.support import PASSWORD
from uidp.app import create_app
from uidp.backup import RestoreRefused, backup, restore
from uidp.schema_version import shipped_migrations

pytestmark = pytest.mark.anyio


def _keys(settings) -> dict[str, str]:
    """The keys travel apart from the backup: the restored folder gets the same ones."""
    return {name: getattr(settings, name) for name in ("pii_keys", "blind_index_key", "password_pepper", "secret_key")}


@contextlib.asynccontextmanager
async def fresh_database():
    """SQLite: a new data folder's default file. PostgreSQL: a new empty database beside the run's."""
    if not PG_BASE:
        yield ""
        return
    name = f"uidp_restore_{uuid.uuid4().hex[:10]}"
    admin = PG_BASE.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield PG_BASE.rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def _login(settings, clock, phone: str) -> dict:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            query = "mutation($i: LoginWithPasswordInput!) { loginWithPassword(input: $i) { __typename } }"
            response = await http.post(
                "/graphql", json={"query": query, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
            )
            return response.json()["data"]["loginWithPassword"]


async def test_a_backup_taken_while_writing_restores_and_its_persons_log_in(
    api, settings, make_settings, clock, tmp_path
):
    registered = await api.register(api.id_card_form(phone="15012340058"))
    assert registered["__typename"] == "PersonRegistered", registered
    writing = True

    async def keep_writing() -> int:
        count = 0
        while writing:
            await api.captcha()  # writes the store; the login below writes the database (audit, throttle)
            await api.login("15012349999", "Wrong#2026pw")  # nobody's phone: the person stays unlocked
            count += 1
        return count

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.2)
    target = tmp_path / "backups" / "uidp.backup"
    target.parent.mkdir()
    report = await asyncio.to_thread(backup, settings, target)
    writing = False
    assert await writer > 0
    assert report.version == shipped_migrations()[-1] and target.stat().st_size == report.size
    assert report.line().startswith(f"backup written to {target}")

    async with fresh_database() as url:
        restored = make_settings(
            data_dir=tmp_path / "fresh",
            database_url=url,
            store_prefix=f"uidp-restored:{uuid.uuid4().hex[:8]}:",
            **_keys(settings),
        )
        line = await asyncio.to_thread(restore, restored, target)
        assert line.startswith(f"restored {target}")
        assert (await _login(restored, clock, "15012340058"))["__typename"] == "LoginSuccess"
        with pytest.raises(RestoreRefused, match="already holds data"):
            await asyncio.to_thread(restore, restored, target)  # twice: the database is not fresh any more


async def test_a_backup_of_another_schema_version_is_refused(settings, make_settings, tmp_path, app):
    if PG_BASE:
        pytest.skip("the version check is the same for both; a SQLite backup can be edited here")
    source = tmp_path / "old.backup"
    backup(settings, source)
    older = shipped_migrations()[-2]
    with contextlib.closing(sqlite3.connect(source)) as db:
        db.execute("DELETE FROM tortoise_migrations WHERE name = ?", (shipped_migrations()[-1],))
        db.commit()
    fresh = make_settings(data_dir=tmp_path / "fresh", database_url="")
    with pytest.raises(RestoreRefused) as refused:
        restore(fresh, source)
    message = str(refused.value)
    assert "\n" not in message and older in message and shipped_migrations()[-1] in message
    assert not (tmp_path / "fresh" / "uidp.sqlite3").exists()


async def test_a_restore_into_a_database_of_another_version_is_refused(settings, make_settings, tmp_path, app):
    if PG_BASE:
        pytest.skip("SQLite file edited here")
    source = tmp_path / "now.backup"
    backup(settings, source)
    target_dir = tmp_path / "fresh"
    target_dir.mkdir()
    shutil.copyfile(source, target_dir / "uidp.sqlite3")
    with contextlib.closing(sqlite3.connect(target_dir / "uidp.sqlite3")) as db:
        db.execute("DELETE FROM tortoise_migrations WHERE name = ?", (shipped_migrations()[-1],))
        db.commit()
    with pytest.raises(
        RestoreRefused, match=r"the database has schema .*, the backup .*: restore into a fresh database"
    ):
        restore(make_settings(data_dir=target_dir, database_url=""), source)


def test_the_command_answers_a_refusal_in_one_line(tmp_path, monkeypatch, capsys):
    from uidp.cli import main

    for name in ("UIDP_DATABASE_URL", "UIDP_STORE_URL", "UIDP_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    with pytest.raises(SystemExit) as refused:
        main(["restore", str(junk)])
    assert (
        str(refused.value)
        == f"uidp: restore refused: {junk} is neither a SQLite backup nor a pg_dump custom-format dump"
    )
    main(["migrate"])
    main(["backup", str(tmp_path / "b.backup")])
    assert f"backup written to {tmp_path / 'b.backup'}" in capsys.readouterr().out
    assert Path(tmp_path / "b.backup").read_bytes().startswith(b"SQLite format 3\x00")
