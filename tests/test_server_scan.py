"""A scan login's live status through a real `uidp serve` (issue 9 item 2): the page subscribes over
graphql-transport-ws on one connection, the partner's callback (``tests.scan_partner``) lands on another, and
the subscriber sees each state change. With Redis the server runs two workers and the test makes sure the
callback reached the worker that does not hold the subscription (read from /proc: which worker owns the socket).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.partner_login import params
from tests.scan_partner import CALLBACK
from tests.test_server_subscriptions import ALLOWED_ORIGIN, SERVERS, children, init, next_message, serve_uidp, ws_url

websockets = pytest.importorskip("websockets", reason="websockets is a dependency (pyproject.toml): run make venv")
from websockets.asyncio.client import connect  # noqa: E402

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parent.parent

START = """mutation($i: StartLoginInput!) { startLogin(input: $i) {
  __typename ... on LoginScanTicket { ticket secret qrPayload } ... on Error { code } } }"""
REDEEM = """mutation($i: RedeemLoginTicketInput!) { redeemLoginTicket(input: $i) {
  __typename ... on BindingRequired { provider } ... on Error { code } } }"""
WATCH = """subscription($id: String!, $secret: String!) { loginTicket(id: $id, secret: $secret) {
  __typename ... on LoginTicketState { status } ... on Error { code field } } }"""


def worker_holding(client_port: int, workers: list[int]) -> int | None:
    """The worker whose socket's peer is our client port (/proc/net/tcp*, then the workers' fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == client_port:
                    inodes.add(f"socket:[{fields[9]}]")
    for pid in workers:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        return pid
    return None


PARTNER = {"UIDP_PLUGINS": "tests.scan_partner", "PYTHONPATH": str(ROOT)}


@pytest.fixture
def one_worker(rt, settings) -> Iterator[str]:
    yield from serve_uidp(settings, env=PARTNER)


@pytest.fixture
def two_workers(rt, settings) -> Iterator[str]:
    if not settings.store_url.startswith("redis"):
        pytest.skip("two workers share tickets through Redis; the embedded store is one process")
    yield from serve_uidp(settings, workers=2, env=PARTNER)


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def callback(base_url: str, action: str, ticket: str, **extra: Any) -> tuple[int, int]:
    """The partner's backend on a fresh connection: (HTTP status, the pid of the worker that answered)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as partner:
        body = {"method": "otherscan", "ticket": ticket, "action": action, **extra}
        response = await partner.post(CALLBACK, json=body)
    return response.status_code, int(response.headers["x-worker-pid"])


async def status_of(ws: Any, expect_id: str = "1") -> dict[str, Any]:
    event = await next_message(ws)
    assert (event["id"], event["type"]) == (expect_id, "next"), event
    return event["payload"]["data"]["loginTicket"]


async def test_the_subscriber_sees_each_change_and_a_wrong_secret_sees_none(one_worker):
    base_url = one_worker
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as page:
        ticket = await gql(page, START, {"i": {"method": "otherscan", "params": params({})}})
        async with connect(ws_url(base_url), subprotocols=["graphql-transport-ws"], origin=ALLOWED_ORIGIN) as ws:
            assert await init(ws) == {"type": "connection_ack"}
            wrong = {"id": ticket["ticket"], "secret": "x" * 43}
            await ws.send(json.dumps({"id": "0", "type": "subscribe", "payload": {"query": WATCH, "variables": wrong}}))
            refused = await status_of(ws, "0")
            assert refused == {"__typename": "FieldError", "code": "SCAN_TICKET_INVALID", "field": "id"}
            assert await next_message(ws) == {"id": "0", "type": "complete"}

            mine = {"id": ticket["ticket"], "secret": ticket["secret"]}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": mine}}))
            assert await status_of(ws) == {"__typename": "LoginTicketState", "status": "PENDING"}
            assert (await callback(base_url, "scan", ticket["ticket"]))[0] == 200
            assert await status_of(ws) == {"__typename": "LoginTicketState", "status": "SCANNED"}
            confirmed = await callback(base_url, "confirm", ticket["ticket"], subject="app-user-9")
            assert confirmed[0] == 200
            assert await status_of(ws) == {"__typename": "LoginTicketState", "status": "CONFIRMED"}
            redeemed = await gql(page, REDEEM, {"i": mine})
            assert (redeemed["__typename"], redeemed["provider"]) == ("BindingRequired", "otherscan")
            assert await status_of(ws) == {"__typename": "LoginTicketState", "status": "REDEEMED"}
            assert await next_message(ws) == {"id": "1", "type": "complete"}


async def test_a_confirmation_on_the_other_worker_reaches_the_subscriber_within_a_second(two_workers):
    base_url = two_workers
    workers = children(SERVERS[base_url])
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as page,
        connect(ws_url(base_url), subprotocols=["graphql-transport-ws"], origin=ALLOWED_ORIGIN) as ws,
    ):
        assert await init(ws) == {"type": "connection_ack"}
        holder = worker_holding(ws.local_address[1], workers)
        assert holder in workers, (holder, workers)
        # Each round: a ticket watched on this connection, confirmed on a fresh one; the kernel spreads
        # fresh connections over both workers, so a round soon confirms through the other worker.
        for round_ in range(30):
            sid = str(round_)
            ticket = await gql(page, START, {"i": {"method": "otherscan", "params": params({})}})
            mine = {"id": ticket["ticket"], "secret": ticket["secret"]}
            subscribe = {"id": sid, "type": "subscribe", "payload": {"query": WATCH, "variables": mine}}
            await ws.send(json.dumps(subscribe))
            assert (await status_of(ws, sid))["status"] == "PENDING"
            assert (await callback(base_url, "scan", ticket["ticket"]))[0] == 200
            assert (await status_of(ws, sid))["status"] == "SCANNED"
            sent = time.monotonic()
            status, answered_by = await callback(base_url, "confirm", ticket["ticket"], subject=f"app-user-{sid}")
            assert status == 200
            assert (await status_of(ws, sid))["status"] == "CONFIRMED"
            latency = time.monotonic() - sent
            await ws.send(json.dumps({"id": sid, "type": "complete"}))
            if answered_by != holder:
                assert answered_by in workers
                assert latency < 1.0, latency
                return
        pytest.fail(f"thirty confirmations all reached the subscriber's worker {holder}")


async def test_the_subscriber_hears_expired_when_the_life_runs_out(one_worker):
    base_url = one_worker
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as page,
        connect(ws_url(base_url), subprotocols=["graphql-transport-ws"], origin=ALLOWED_ORIGIN) as ws,
    ):
        short = {"method": "otherscan", "params": params({"lifetime": "10"})}  # the shortest life a method gets
        ticket = await gql(page, START, {"i": short})
        assert await init(ws) == {"type": "connection_ack"}
        mine = {"id": ticket["ticket"], "secret": ticket["secret"]}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": mine}}))
        assert (await status_of(ws))["status"] == "PENDING"
        started = time.monotonic()
        expired = json.loads(await asyncio.wait_for(ws.recv(), 15))  # nobody publishes: the watcher's deadline
        assert expired["payload"]["data"]["loginTicket"]["status"] == "EXPIRED"
        assert 8 < time.monotonic() - started < 12
        assert await next_message(ws) == {"id": "1", "type": "complete"}


@pytest.fixture
def two_plain_workers(rt, settings) -> Iterator[str]:
    """Two workers of the dev profile, whose 鄂汇办 channel trusts the sandbox partner's key."""
    if not settings.store_url.startswith("redis"):
        pytest.skip("two workers share tickets through Redis; the embedded store is one process")
    yield from serve_uidp(settings, workers=2)


async def test_ehuibans_signed_confirmation_on_the_other_worker_logs_the_page_in(two_plain_workers, rt, settings):
    """Item 2 with a real channel: the 鄂汇办 partner's signed callbacks (signed as ``uidp sandbox scan`` signs
    them) land on the worker that does not hold the page's subscription; the page sees CONFIRMED within a
    second and redeems the ticket for the person's session."""
    from plugins.sandbox.scan import signed_steps
    from tests.plugins.ca_factory import make_person
    from tests.plugins.elicense.conftest import REPRESENTATIVE

    await make_person(rt, number=REPRESENTATIVE)
    base_url = two_plain_workers
    workers = children(SERVERS[base_url])
    start = """mutation { startLogin(input: {method: "ehuiban"}) { __typename
      ... on LoginScanTicket { ticket secret } ... on Error { code } } }"""
    redeem = """mutation($i: RedeemLoginTicketInput!) { redeemLoginTicket(input: $i) { __typename
      ... on LoginSuccess { viewer { __typename } } ... on Error { code } } }"""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as page,
        connect(ws_url(base_url), subprotocols=["graphql-transport-ws"], origin=ALLOWED_ORIGIN) as ws,
    ):
        assert await init(ws) == {"type": "connection_ack"}
        holder = worker_holding(ws.local_address[1], workers)
        assert holder in workers, (holder, workers)
        for round_ in range(30):
            sid = str(round_)
            ticket = await gql(page, start, {})
            assert ticket["__typename"] == "LoginScanTicket", ticket
            mine = {"id": ticket["ticket"], "secret": ticket["secret"]}
            await ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": {"query": WATCH, "variables": mine}}))
            assert (await status_of(ws, sid))["status"] == "PENDING"
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as partner:
                opened = await partner.get("/health")  # the partner's keep-alive connection, used for both calls
                partner_port = opened.extensions["network_stream"].get_extra_info("client_addr")[1]
                answering = worker_holding(partner_port, workers)
                if answering == holder:
                    await ws.send(json.dumps({"id": sid, "type": "complete"}))
                    continue
                assert answering in workers
                args = argparse.Namespace(
                    channel="ehuiban", ticket=ticket["ticket"], id_number=REPRESENTATIVE, reject=False,
                    name="张三", user_id=None, credit_code=None, role="legal_representative",
                )  # fmt: skip
                path, (scanned, confirmed) = signed_steps(settings, args)  # 张三: make_person's name
                assert (await partner.post(path, json=scanned)).status_code == 200
                assert (await status_of(ws, sid))["status"] == "SCANNED"
                sent = time.monotonic()
                assert (await partner.post(path, json=confirmed)).status_code == 200
                assert (await status_of(ws, sid))["status"] == "CONFIRMED"
                assert time.monotonic() - sent < 1.0
            redeemed = await gql(page, redeem, {"i": mine})
            assert redeemed == {"__typename": "LoginSuccess", "viewer": {"__typename": "PersonAccount"}}
            return
        pytest.fail(f"thirty partner connections all reached the subscriber's worker {holder}")
