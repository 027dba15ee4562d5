"""Liveness and readiness through HTTP: what readiness checks, and the 503 when a check fails."""

from __future__ import annotations

import pytest
from tortoise import connections

from uidp.schema_version import shipped_migrations

pytestmark = pytest.mark.anyio


async def test_live_and_ready(client):
    live = await client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "plugins": "ok", "migrations": "ok", "database": "ok", "store": "ok"}
    assert (await client.get("/health")).json() == ready.json()  # the old probe is readiness


async def test_a_database_ahead_of_the_release_is_not_ready(client):
    db = connections.get("default")
    await db.execute_query(
        "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ('uidp', '9999_future', '2026-12-01')"
    )
    try:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["migrations"] == "ahead"
        assert (await client.get("/health/live")).status_code == 200
    finally:
        await db.execute_query("DELETE FROM tortoise_migrations WHERE name = '9999_future'")


async def test_a_database_missing_a_migration_is_not_ready(client):
    db = connections.get("default")
    newest = shipped_migrations()[-1]
    rows = await db.execute_query_dict(f"SELECT applied_at FROM tortoise_migrations WHERE name = '{newest}'")
    await db.execute_query(f"DELETE FROM tortoise_migrations WHERE name = '{newest}'")
    try:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["migrations"] == "pending"
    finally:
        await db.execute_query(
            "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ('uidp', $1, $2)"
            if db.capabilities.dialect == "postgres"
            else "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ('uidp', ?, ?)",
            [newest, rows[0]["applied_at"]],
        )
