"""Benchmark: scan logins per second through the full HTTP path with live subscriptions, and the latency from
the partner's callback to the subscriber's message, on `uidp serve --workers 2` with PostgreSQL and Redis.

Run: ``.venv/bin/python bench/scan.py [--duration 10] [--pages 16] [--procs 2] [--workers 2]``

Steps (all on this machine, loopback only):

1. A temporary PostgreSQL database (``--postgres``'s server) and Redis prefix (``--redis``); ``uidp
   migrate``; ``uidp serve --workers W`` with the test scan channel ``tests.scan_partner`` (its callback route
   stands for a partner whose signature was checked) and the per-address limits raised for one loopback
   address.
2. ``--idle`` watchers (200) on tickets nobody scans, ten subscriptions a connection, open all along; and
   ``--pages`` simulated login pages in ``--procs`` load-generator processes. Each page keeps one
   graphql-transport-ws connection open and loops: ``startLogin`` (POST) -> ``loginTicket`` subscription ->
   PENDING; callback ``scan`` -> SCANNED; callback ``confirm`` -> CONFIRMED; ``redeemLoginTicket`` (POST; the
   test channel's subject is bound to nobody, so the pipeline answers BindingRequired). The callback latency
   is from sending the confirm request to the CONFIRMED message on the page's socket.
3. Prints complete cycles/s in the window, callback -> subscriber p50 / p99 / max, the CPU seconds of the
   server tree, the load generators and everything else (PostgreSQL, Redis) over the window, the load
   generators' share of the machine's busy time, and the bound: cycles/s if the server had every core to
   itself at its measured CPU cost per cycle (cores / server CPU seconds per cycle), with the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from _measure import (
    free_port,
    machine_busy_seconds,
    percentile,
    run_cli,
    self_cpu,
    sleep_until,
    start_uidp,
    stop_process,
    tree_cpu_seconds,
    uidp_env,
    wait_answering,
)
from websockets.asyncio.client import connect

REPO_DIR = Path(__file__).resolve().parent.parent
CALLBACK = "/plugins/scantest/callback"
ORIGIN = "http://127.0.0.1"
START = 'mutation { startLogin(input: {method: "otherscan"}) { __typename ... on LoginScanTicket { ticket secret } } }'
REDEEM = "mutation($i: RedeemLoginTicketInput!) { redeemLoginTicket(input: $i) { __typename } }"
WATCH = (
    "subscription($id: String!, $secret: String!) { loginTicket(id: $id, secret: $secret) "
    "{ __typename ... on LoginTicketState { status } } }"
)

_spawn = multiprocessing.get_context("spawn")


# -- the load: one page --------------------------------------------------------------------------------------


class Page:
    """One login page: a cookie jar for its POSTs and one WebSocket for its subscriptions."""

    def __init__(self, base_url: str, partner: httpx.AsyncClient) -> None:
        self.base_url = base_url
        self.partner = partner
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)
        self.ws: Any = None
        self.queues: dict[str, asyncio.Queue[str]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await connect(self.base_url.replace("http://", "ws://") + "/graphql",
                                subprotocols=["graphql-transport-ws"], origin=ORIGIN)  # fmt: skip
        await self.ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await self.ws.recv())["type"] == "connection_ack"
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message.get("type") == "next" and message["id"] in self.queues:
                data = message["payload"]["data"]["loginTicket"]
                self.queues[message["id"]].put_nowait(data.get("status") or data["__typename"])

    async def status(self, sid: str) -> str:
        return await asyncio.wait_for(self.queues[sid].get(), 30)

    async def cycle(self, n: int) -> float:
        """One scan login; returns the callback -> subscriber latency in seconds."""
        started = (await self.http.post("/graphql", json={"query": START})).json()["data"]["startLogin"]
        ids = {"id": started["ticket"], "secret": started["secret"]}
        sid = str(n)
        self.queues[sid] = asyncio.Queue()
        await self.ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": {"query": WATCH, "variables": ids}}))
        assert await self.status(sid) == "PENDING"
        await self._callback("scan", started["ticket"])
        assert await self.status(sid) == "SCANNED"
        sent = time.monotonic()
        await self._callback("confirm", started["ticket"], subject=f"bench-{uuid.uuid4().hex[:12]}")
        assert await self.status(sid) == "CONFIRMED"
        latency = time.monotonic() - sent
        redeemed = (await self.http.post("/graphql", json={"query": REDEEM, "variables": {"i": ids}})).json()
        assert redeemed["data"]["redeemLoginTicket"]["__typename"] == "BindingRequired", redeemed
        await self.ws.send(json.dumps({"id": sid, "type": "complete"}))
        del self.queues[sid]
        return latency

    async def _callback(self, action: str, ticket: str, **extra: Any) -> None:
        body = {"method": "otherscan", "ticket": ticket, "action": action, **extra}
        response = await self.partner.post(CALLBACK, json=body)
        if response.status_code != 200:
            raise RuntimeError(f"callback {action}: {response.status_code} {response.text[:200]}")

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()
        await self.http.aclose()


async def _idle(base_url: str, tickets: int, until: float) -> None:
    """Watchers that only wait: ``tickets`` PENDING tickets, ten subscriptions a connection, until ``until``."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        sockets = []
        try:
            for first in range(0, tickets, 10):
                ws = await connect(base_url.replace("http://", "ws://") + "/graphql",
                                   subprotocols=["graphql-transport-ws"], origin=ORIGIN)  # fmt: skip
                sockets.append(ws)
                await ws.send(json.dumps({"type": "connection_init"}))
                await ws.recv()
                for n in range(first, min(first + 10, tickets)):
                    started = (await http.post("/graphql", json={"query": START})).json()["data"]["startLogin"]
                    ids = {"id": started["ticket"], "secret": started["secret"]}
                    payload = {"query": WATCH, "variables": ids}
                    await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": payload}))
                    await ws.recv()  # PENDING: it listens
            await sleep_until(until)
        finally:
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.close()


async def _load(base_url: str, pages: int, idle: int, times: tuple[float, float, float]) -> dict[str, Any]:
    start_at, window_start, window_end = times
    records: list[tuple[float, float, float]] = []  # (started, finished, latency)
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as partner:

        async def run_page(index: int) -> None:
            page = Page(base_url, partner)
            await page.open()
            await sleep_until(start_at)
            n = 0
            try:
                while time.monotonic() < window_end:
                    began = time.monotonic()
                    try:
                        latency = await page.cycle(n)
                    except Exception as exc:  # a benchmark reports failures, it does not stop at the first
                        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                        break
                    records.append((began, time.monotonic(), latency))
                    n += 1
            finally:
                await page.close()

        async def sample_cpu() -> float:
            await sleep_until(window_start)
            cpu0 = self_cpu()
            await sleep_until(window_end)
            return self_cpu() - cpu0

        sampler = asyncio.create_task(sample_cpu())
        await asyncio.gather(_idle(base_url, idle, window_end), *(run_page(i) for i in range(pages)))
        return {"records": records, "errors": errors, "cpu": await sampler}


def _load_process(args: tuple[Any, ...], results: Any) -> None:
    try:
        results.put(asyncio.run(_load(*args)))
    except BaseException as exc:
        results.put({"records": [], "errors": [repr(exc)], "cpu": 0.0})
        raise


# -- the server ------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pages", type=int, default=16, help="concurrent login pages (open subscriptions)")
    parser.add_argument("--idle", type=int, default=200, help="more open subscriptions on tickets nobody scans")
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres", help="server URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    options = parser.parse_args()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    limits = {
        "UIDP_PLUGINS": "tests.scan_partner",
        "UIDP_ALLOWED_ORIGINS": ORIGIN,
        "UIDP_LOGIN_STARTS_PER_HOUR": "100000000",
        "UIDP_ANONYMOUS_MUTATIONS_PER_HOUR": "100000000",
        "UIDP_WEBSOCKETS_PER_ADDRESS": "0",  # every simulated page is on 127.0.0.1
    }
    with (
        tempfile.TemporaryDirectory(prefix="uidp-bench-scan-") as data_dir,
        uidp_env(Path(data_dir), 4, options.postgres, options.redis, **limits) as env,
    ):
        run_cli(env, "migrate")
        log = Path(data_dir) / "serve.log"
        server = start_uidp(env, port, options.workers, log)
        try:
            wait_answering(f"{base_url}/health", server)
            report = drive(base_url, server.pid, options)
        finally:
            stop_process(server)
    print(report)
    return 0


def drive(base_url: str, server_pid: int, options: Any) -> str:
    start_at = time.monotonic() + 4.0 + options.idle / 100  # the load processes start, connect, open idle watchers
    window_start = start_at + options.warmup
    window_end = window_start + options.duration
    results = _spawn.Queue()

    def share(total: int) -> list[int]:
        return [total // options.procs + (i < total % options.procs) for i in range(options.procs)]

    per_proc = list(zip(share(options.pages), share(options.idle), strict=True))
    procs = [
        _spawn.Process(target=_load_process, args=((base_url, n, m, (start_at, window_start, window_end)), results))
        for n, m in per_proc
    ]
    for proc in procs:
        proc.start()
    try:
        time.sleep(max(0.0, window_start - time.monotonic()))
        server0, busy0 = tree_cpu_seconds(server_pid), machine_busy_seconds()
        time.sleep(max(0.0, window_end - time.monotonic()))
        server1, busy1 = tree_cpu_seconds(server_pid), machine_busy_seconds()
        loads = [results.get(timeout=120) for _ in procs]
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    records = [r for load in loads for r in load["records"]]
    errors = [e for load in loads for e in load["errors"]]
    in_window = [r for r in records if window_start <= r[1] <= window_end]
    latencies = sorted(r[2] * 1000 for r in in_window)
    rate = len(in_window) / options.duration
    server_cpu, busy = server1 - server0, busy1 - busy0
    load_cpu = sum(load["cpu"] for load in loads)
    cores = os.cpu_count() or 1
    per_cycle = server_cpu / len(in_window) if in_window else float("nan")
    bound = cores / per_cycle if in_window else float("nan")
    lines = [
        f"scan logins (start, subscribe, scan, confirm, redeem) from {options.pages} pages, with "
        f"{options.pages + options.idle} live subscriptions, "
        f"{options.workers} workers, PostgreSQL + Redis, {options.duration:.0f} s window",
        f"  cycles/s             {rate:8.1f}   ({len(in_window)} cycles, {len(errors)} errors)",
        f"  callback->subscriber p50 {percentile(latencies, 0.5) if latencies else float('nan'):6.1f} ms   "
        f"p99 {percentile(latencies, 0.99) if latencies else float('nan'):6.1f} ms   "
        f"max {latencies[-1] if latencies else float('nan'):6.1f} ms",
        f"  CPU s in window      server {server_cpu:5.1f}   load generators {load_cpu:5.1f}   "
        f"other {max(0.0, busy - server_cpu - load_cpu):5.1f}   "
        f"machine busy {busy:5.1f} of {cores * options.duration:.0f}",
        f"  load generator share {load_cpu / busy if busy else float('nan'):8.1%} of the busy CPU",
        f"  bound                {bound:8.1f} cycles/s ({cores} cores / {per_cycle * 1000:.1f} ms server CPU a cycle)"
        f"   ratio {rate / bound if bound else float('nan'):.2f}",
    ]
    if errors:
        lines.append(f"  first errors: {errors[:3]}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
