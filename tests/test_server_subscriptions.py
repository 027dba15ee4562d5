"""Subscriptions through a real `uidp serve` process (issue 7, section 4): graphql-transport-ws over the
`websockets` client, the session token in connection_init, browser origins only from UIDP_ALLOWED_ORIGINS.

The server runs on the test's database (SQLite file, or PostgreSQL) and store (memory, or Redis), so the suite
exercises both backends. tests/test_server.py starts multi-worker servers the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.websocket import ONLY_SUBSCRIPTIONS
from tests.serving import serving
from tests.support import LOGIN, PASSWORD

websockets = pytest.importorskip("websockets", reason="websockets is a dependency (pyproject.toml): run make venv")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402

pytestmark = pytest.mark.anyio
ALLOWED_ORIGIN = "https://portal.example.gov.cn"
SESSION_ENDED = (
    "subscription { sessionEnded { __typename ... on SessionEndedEvent { reason at } ... on Error { code } } }"
)


def serve_uidp(settings: Any, *, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[str]:
    """`uidp serve` (tests/serving.py) on the test's database (SQLite file or PostgreSQL) and store; yields its
    base URL once every worker is up. ``SERVERS`` names the serve process while it runs."""
    env = {
        "UIDP_DATABASE_URL": settings.resolved_database_url(),
        "UIDP_STORE_URL": settings.store_url,
        "UIDP_STORE_PREFIX": settings.store_prefix,
        "UIDP_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        **(env or {}),
    }
    args = ["--no-migrate", *(["--workers", str(workers)] if workers > 1 else [])]
    with serving(settings.data_dir, *args, env=env) as served:
        SERVERS[served.base] = served.proc.pid
        try:
            yield served.base
        finally:
            SERVERS.pop(served.base, None)


SERVERS: dict[str, int] = {}  # base URL -> pid of the `uidp serve` process, while it runs


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (a multi-worker server's workers), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
    return found


@pytest.fixture
def served(rt, settings) -> Iterator[str]:
    """`uidp serve` on the test's database and store."""
    yield from serve_uidp(settings)


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/graphql"


async def next_message(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def init(ws: Any, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "connection_init", **({"payload": payload} if payload is not None else {})}))
    return await next_message(ws)


async def test_session_ended_reaches_a_real_subscriber(served, rt, settings):
    from uidp.services.persons.seeding import seed_persons

    (phone,) = await seed_persons(settings, 1, PASSWORD)
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        login = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}},
        )
        token = login.json()["data"]["loginWithPassword"]["token"]
        async with connect(ws_url(served), subprotocols=["graphql-transport-ws"], origin=ALLOWED_ORIGIN) as ws:
            assert await init(ws, {"token": token}) == {"type": "connection_ack"}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SESSION_ENDED}}))
            await asyncio.sleep(0.3)  # the subscription is listening (it would also see an earlier logout)
            logout = await http.post(
                "/graphql",
                json={"query": "mutation { logout { __typename } }"},
                headers={"authorization": f"Bearer {token}"},
            )
            assert logout.json() == {"data": {"logout": {"__typename": "LoggedOut"}}}
            event = await next_message(ws)
            assert event["id"] == "1" and event["type"] == "next", event
            ended = event["payload"]["data"]["sessionEnded"]
            assert ended["__typename"] == "SessionEndedEvent" and ended["reason"] == "logout"
            assert await next_message(ws) == {"id": "1", "type": "complete"}


async def test_websocket_handshakes_and_connection_init(served):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url(served), subprotocols=["graphql-transport-ws"], origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    # a browser on the configured origin, and a client that is no browser (no Origin header)
    for origin in (ALLOWED_ORIGIN, None):
        async with connect(ws_url(served), subprotocols=["graphql-transport-ws"], origin=origin) as ws:
            assert await init(ws) == {"type": "connection_ack"}
            await ws.send(json.dumps({"id": "a", "type": "subscribe", "payload": {"query": SESSION_ENDED}}))
            event = await next_message(ws)
            assert event["payload"]["data"]["sessionEnded"] == {
                "__typename": "NotAuthenticated",
                "code": "NOT_AUTHENTICATED",
            }
            assert await next_message(ws) == {"id": "a", "type": "complete"}
    # queries and mutations belong to POST
    async with connect(ws_url(served), subprotocols=["graphql-transport-ws"]) as ws:
        assert await init(ws) == {"type": "connection_ack"}
        for n, query in enumerate(("{ me { __typename } }", "mutation { requestCaptcha { id } }")):
            await ws.send(json.dumps({"id": f"q{n}", "type": "subscribe", "payload": {"query": query}}))
            event = await next_message(ws)
            assert event["type"] == "next" and event["payload"] == {
                "data": None,
                "errors": [{"message": ONLY_SUBSCRIPTIONS}],
            }, event
            assert await next_message(ws) == {"id": f"q{n}", "type": "complete"}
    # a token that names no live session is refused at connection_init
    for payload in ({"token": "not-a-session"}, {"token": 5}, {"token": "x" * 500}):
        async with connect(ws_url(served), subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(ConnectionClosed):
                await next_message(ws)
            assert ws.close_code == 4403


def test_allowed_origins_setting(tmp_path):
    from uidp.config import ConfigError, Settings

    dev = Settings.from_env({}, data_dir=tmp_path)
    assert dev.websocket_origins == ["http://127.0.0.1:8000", "http://localhost:8000"]
    listed = Settings.from_env({"UIDP_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443"}, data_dir=tmp_path)
    assert listed.websocket_origins == ["https://a.example", "https://b.example:8443"]
    for wrong in ("*", "https://a.example/path", "a.example", "https://*.example"):
        with pytest.raises(ConfigError, match="UIDP_ALLOWED_ORIGINS"):
            Settings.from_env({"UIDP_ALLOWED_ORIGINS": wrong}, data_dir=tmp_path)
