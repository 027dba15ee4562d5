"""The embedded database (issue 13, item 2): commits without fsync, checkpoints in a thread of their own, and
nothing acknowledged lost when the server process is killed (kill -9; this one runs on PostgreSQL too)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest
from tortoise import connections

from tests.support import LOGIN, PASSWORD
from uidp.sqlite import CHECKPOINT_SECONDS, checkpoint, sqlite_url

pytestmark = pytest.mark.anyio
ME = "{ me { __typename ... on PersonAccount { id } } }"


def on_sqlite(settings) -> bool:
    return settings.resolved_database_url().startswith("sqlite://")


def test_the_url_asks_for_normal_sync_and_an_operators_choice_wins():
    assert sqlite_url("sqlite:///d/uidp.sqlite3") == "sqlite:///d/uidp.sqlite3?synchronous=NORMAL"
    assert sqlite_url("sqlite:///d/x?journal_size_limit=1") == "sqlite:///d/x?journal_size_limit=1&synchronous=NORMAL"
    assert sqlite_url("sqlite:///d/x?synchronous=FULL") == "sqlite:///d/x?synchronous=FULL"


async def test_a_serving_worker_commits_without_fsync_and_checkpoints_in_the_background(app, settings):
    if not on_sqlite(settings):
        pytest.skip("SQLite only")
    db = connections.get("default")
    assert (await db.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
    assert (await db.execute_query_dict("PRAGMA synchronous"))[0]["synchronous"] == 1  # NORMAL
    assert (await db.execute_query_dict("PRAGMA wal_autocheckpoint"))[0]["wal_autocheckpoint"] == 0
    path = settings.resolved_database_url().removeprefix("sqlite://").partition("?")[0]
    checkpoint(path)
    await db.execute_script("CREATE TABLE probe_checkpoint (n INTEGER)")
    await db.execute_script("INSERT INTO probe_checkpoint VALUES (1)")

    def in_main_file() -> bool:  # the database file itself, without the WAL
        reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return bool(reader.execute("SELECT 1 FROM sqlite_master WHERE name = 'probe_checkpoint'").fetchall())
        finally:
            reader.close()

    assert not in_main_file()  # committed, but only in the WAL: the commit did not checkpoint
    deadline = time.monotonic() + CHECKPOINT_SECONDS * 5
    while not in_main_file():
        assert time.monotonic() < deadline, "the worker's checkpoints did not copy the WAL into the file"
        await asyncio.sleep(0.1)
    await db.execute_script("DROP TABLE probe_checkpoint")


async def test_sessions_are_read_while_a_writer_holds_the_connection(app, settings, client):
    """The session lookup reads on the worker's own read-only connection: a transaction open on Tortoise's
    one connection (a login's commit, say) does not hold `me` up, and it sees only what was committed."""
    if not on_sqlite(settings):
        pytest.skip("SQLite only")
    from tortoise.transactions import in_transaction

    from uidp.models.person import Person
    from uidp.services.persons.seeding import seed_persons

    (phone,) = await seed_persons(settings, 1, PASSWORD)
    body = {"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
    token = (await client.post("/graphql", json=body)).json()["data"]["loginWithPassword"]["token"]
    me_level = {"query": "{ me { ... on PersonAccount { level } } }"}
    headers = {"authorization": f"Bearer {token}"}
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with in_transaction():
            await Person.filter(phone_index__isnull=False).update(level=2)
            holding.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await asyncio.wait_for(holding.wait(), 5)
    try:
        during = await asyncio.wait_for(client.post("/graphql", json=me_level, headers=headers), 5)
        assert during.json() == {"data": {"me": {"level": "BASIC"}}}, during.text  # not the uncommitted 2
    finally:
        release.set()
        await task
    after = await client.post("/graphql", json=me_level, headers=headers)
    assert after.json() == {"data": {"me": {"level": "MEDIUM"}}}, after.text


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(settings, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "UIDP_DATA_DIR": str(settings.data_dir),
        "UIDP_DATABASE_URL": settings.resolved_database_url(),
        "UIDP_STORE_URL": settings.store_url,
        "UIDP_STORE_PREFIX": settings.store_prefix,
        "UIDP_BCRYPT_ROUNDS": "4",
    }
    command = [sys.executable, "-m", "uidp.cli", "serve", "--no-migrate", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("uidp serve never answered")
        time.sleep(0.1)


async def test_sessions_acknowledged_before_a_kill_9_are_there_after_the_restart(rt, settings):
    from uidp.services.persons.seeding import seed_persons

    phones = await seed_persons(settings, 3, PASSWORD)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(settings, port)
    try:
        tokens = []
        with httpx.Client(base_url=base, timeout=30) as http:
            for round_ in range(4):
                for phone in phones:
                    body = {"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
                    answer = http.post("/graphql", json=body).json()["data"]["loginWithPassword"]
                    assert answer["__typename"] == "LoginSuccess", (round_, answer)
                    tokens.append(answer["token"])
        proc.send_signal(signal.SIGKILL)  # right after the last answer: no shutdown, no final checkpoint
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    proc = start(settings, port)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            for token in tokens:
                me = http.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
                assert me.json()["data"]["me"]["__typename"] == "PersonAccount", me.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
