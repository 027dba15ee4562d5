"""UIDP_WEBSOCKETS_PER_ADDRESS through a real `uidp serve`: one address holds at most that many GraphQL
WebSockets open, counted before the handshake across every worker (two workers share the count through Redis);
a closed socket's slot is free again at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_server_subscriptions import ALLOWED_ORIGIN, init, serve_uidp, ws_url

websockets = pytest.importorskip("websockets", reason="websockets is a dependency (pyproject.toml): run make venv")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

pytestmark = pytest.mark.anyio
LIMIT = {"UIDP_WEBSOCKETS_PER_ADDRESS": "3"}


@pytest.fixture
def one_worker(rt, settings) -> Iterator[str]:
    yield from serve_uidp(settings, env=LIMIT)


@pytest.fixture
def two_workers(rt, settings) -> Iterator[str]:
    if not settings.store_url.startswith("redis"):
        pytest.skip("two workers share the count through Redis; the embedded store is one process")
    yield from serve_uidp(settings, workers=2, env=LIMIT)


async def opened(base_url: str) -> Any:
    """A WebSocket past connection_init, or the HTTP status that refused the handshake."""
    try:
        ws = await connect(ws_url(base_url), subprotocols=["graphql-transport-ws"], origin=ALLOWED_ORIGIN)
    except InvalidStatus as refused:
        return refused.response.status_code
    assert await init(ws) == {"type": "connection_ack"}
    return ws


async def test_the_fourth_socket_of_an_address_is_refused_until_one_closes(one_worker):
    held = [await opened(one_worker) for _ in range(3)]
    assert all(not isinstance(ws, int) for ws in held)
    assert await opened(one_worker) == 403
    await held.pop().close()
    for _ in range(50):  # the server sees the close and gives the slot back
        again = await opened(one_worker)
        if again != 403:
            break
        await asyncio.sleep(0.1)
    assert not isinstance(again, int)
    held.append(again)
    assert await opened(one_worker) == 403
    for ws in held:
        await ws.close()


async def test_a_concurrent_burst_on_two_workers_opens_exactly_the_limit(two_workers):
    results = await asyncio.gather(*(opened(two_workers) for _ in range(9)))
    sockets = [ws for ws in results if not isinstance(ws, int)]
    assert len(sockets) == 3, results
    assert sorted(ws for ws in results if isinstance(ws, int)) == [403] * 6
    for ws in sockets:
        with contextlib.suppress(Exception):
            await ws.close()
