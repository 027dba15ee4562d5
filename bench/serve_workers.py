"""Benchmark: requests/s of a trivial Starlette app under ``uidp.http.server.serve`` with 1 vs 2 workers.

Run: ``.venv/bin/python bench/serve_workers.py [--duration 3] [--connections 32] [--stock]``

Each configuration runs as a subprocess on a free loopback port; a load generator in its own process keeps
``--connections`` keep-alive HTTP/1.1 connections busy (one request in flight per connection, no
pipelining) for ``--duration`` seconds after a short warm-up. The load generator shares the machine's cores
with the server, so its CPU share is printed next to each figure. ``--stock`` adds plain
``uvicorn --workers 2`` for comparison (no TCP_NODELAY, one shared accept socket).

The bound for the 2-worker figure is 2x the 1-worker figure (one core per worker); the printed ratio is
2-worker / 1-worker.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _measure import free_port, self_cpu, stop_process, tree_cpu_seconds, wait_answering
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


# -- the trivial app (imported by the server processes as "serve_workers:create_app") ---------------------


async def pid(request: Request) -> PlainTextResponse:
    """Answer the worker's pid, so the load generator can see how connections were balanced."""
    return PlainTextResponse(str(os.getpid()))


def create_app() -> Starlette:
    """App factory of the trivial app."""
    return Starlette(routes=[Route("/", pid)])


# -- load generator (runs in its own process) -------------------------------------------------------------


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as the previous response is complete."""

    def __init__(self, request: bytes, state: dict[str, Any]) -> None:
        self.request = request
        self.state = state
        self.buffer = b""
        self.worker = ""
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            match = CONTENT_LENGTH.search(self.buffer, 0, head_end)
            end = head_end + 4 + (int(match[1]) if match else 0)
            if len(self.buffer) < end:
                return
            if not self.worker:
                self.worker = self.buffer[head_end + 4 : end].decode()
            self.buffer = self.buffer[end:]
            self.state["responses"] += 1
            self.state["per_worker"][self.worker] += 1
            if self.state["stop"]:
                assert self.transport is not None
                self.transport.close()
                return
            assert self.transport is not None
            self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def _drive(host: str, port: int, connections: int, warmup: float, duration: float) -> dict[str, Any]:
    """Keep ``connections`` connections busy; count responses inside the measuring window."""
    loop = asyncio.get_running_loop()
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    state: dict[str, Any] = {"responses": 0, "stop": False, "per_worker": Counter()}
    protocols = []
    for _ in range(connections):
        _, protocol = await loop.create_connection(lambda: _Connection(request, state), host, port)
        protocols.append(protocol)
    await asyncio.sleep(warmup)
    count0, cpu0, t0 = state["responses"], self_cpu(), time.monotonic()
    await asyncio.sleep(duration)
    count1, cpu1, t1 = state["responses"], self_cpu(), time.monotonic()
    state["stop"] = True
    await asyncio.wait_for(asyncio.gather(*(p.done for p in protocols)), 10)
    connections_per_worker = Counter(p.worker for p in protocols)
    return {
        "requests": count1 - count0,
        "elapsed": t1 - t0,
        "cpu": cpu1 - cpu0,
        "connections_per_worker": dict(connections_per_worker),
        "requests_per_worker": dict(state["per_worker"]),
    }


def _load_process(args: tuple[str, int, int, float, float], results: multiprocessing.Queue[Any]) -> None:
    """Entry point of the load generator process."""
    results.put(asyncio.run(_drive(*args)))


# -- server process helpers ------------------------------------------------------------------------------


def run_one(label: str, command: list[str], port: int, options: argparse.Namespace) -> dict[str, Any]:
    """Start one server configuration, drive it, stop it; return the figures."""
    env = dict(os.environ)
    paths = (str(BENCH_DIR), str(REPO_DIR), env.get("PYTHONPATH"))  # uidp need not be installed
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    proc = subprocess.Popen(command, env=env, cwd=BENCH_DIR, start_new_session=True)
    try:
        wait_answering(f"http://127.0.0.1:{port}/", proc, timeout=30)
        spawn = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[Any] = spawn.Queue()
        load = spawn.Process(
            target=_load_process,
            args=(("127.0.0.1", port, options.connections, options.warmup, options.duration), results),
        )
        load.start()
        time.sleep(options.warmup)  # align the server CPU sample with the load generator's window
        server_cpu0 = tree_cpu_seconds(proc.pid)
        time.sleep(options.duration)
        server_cpu1 = tree_cpu_seconds(proc.pid)
        figures: dict[str, Any] = results.get(timeout=options.warmup + options.duration + 30)
        load.join(10)
    finally:
        stop_process(proc, timeout=15)
    cores = os.cpu_count() or 1
    figures["label"] = label
    figures["rps"] = figures["requests"] / figures["elapsed"]
    figures["load_share"] = figures["cpu"] / (figures["elapsed"] * cores)
    figures["server_share"] = (server_cpu1 - server_cpu0) / (options.duration * cores)
    figures["per_cpu"] = figures["rps"] / max(figures["server_share"] * cores, 1e-9)
    return figures


def serve_command(workers: int, port: int) -> list[str]:
    """Command line running ``uidp.http.server.serve`` on the trivial app."""
    code = (
        "from uidp.http.server import serve; "
        f"serve(factory='serve_workers:create_app', port={port}, workers={workers}, log_level='warning')"
    )
    return [sys.executable, "-c", code]


def main() -> None:
    """Measure 1 vs 2 workers (and optionally stock uvicorn --workers 2) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per configuration")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds before each window")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--stock", action="store_true", help="also measure stock `uvicorn --workers 2`")
    options = parser.parse_args()

    runs = []
    for workers in (1, 2):
        port = free_port()
        runs.append(run_one(f"uidp serve, {workers} worker(s)", serve_command(workers, port), port, options))
    if options.stock:
        port = free_port()
        stock = [sys.executable, "-m", "uvicorn", "serve_workers:create_app", "--factory"]
        stock += ["--workers", "2", "--port", str(port), "--log-level", "warning"]
        runs.append(run_one("stock uvicorn --workers 2", stock, port, options))

    cores = os.cpu_count() or 1
    print(f"\ntrivial Starlette app, loopback, {options.connections} keep-alive connections, {cores} cores")
    print(
        f"{'configuration':30} {'req/s':>9} {'server CPU':>11} {'req/CPU-s':>10} {'loadgen CPU':>12}"
        "  requests per worker"
    )
    for run in runs:
        spread = "/".join(str(n) for n in sorted(run["requests_per_worker"].values(), reverse=True))
        conns = "/".join(str(n) for n in sorted(run["connections_per_worker"].values(), reverse=True))
        print(
            f"{run['label']:30} {run['rps']:9.0f} {run['server_share']:10.0%} {run['per_cpu']:10.0f}"
            f" {run['load_share']:11.0%}"
            f"  {spread} (connections {conns})"
        )
    print("(CPU shares are of the whole machine; the load generator competes with the workers for it;")
    print(" req/CPU-s = requests per second of server CPU, i.e. the per-core efficiency of the server)")
    ratio = runs[1]["rps"] / runs[0]["rps"]
    print(f"ratio 2-worker / 1-worker: {ratio:.2f} (bound 2.00: a core per worker, free load generator)")
    if options.stock:
        print(f"ratio uidp 2-worker / stock uvicorn 2-worker: {runs[1]['rps'] / runs[2]['rps']:.2f}")


if __name__ == "__main__":
    main()
