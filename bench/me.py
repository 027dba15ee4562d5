"""Benchmark: authenticated `me` req/s of uidp against a trivial Strawberry app on the same stack, side by side.

Run: ``.venv/bin/python bench/me.py [--workers 1,2] [--rounds 3] [--duration 5] [--connections 32]
[--postgres postgres://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/0]``

The bound is the trivial app this file serves itself: Starlette + Strawberry (ParserCache + ValidationCache)
under ``uidp.http.server.serve`` (httptools, uvloop, SO_REUSEPORT workers), answering ``{ me { id name level } }``
from a dict. uidp answers the same question for a logged-in person (``{ me { ... on PersonAccount { id
maskedName level } } }``, bearer token). For every worker count both servers run at once (an idle one costs
nothing) and wrk (``--connections`` keep-alive connections, one thread) drives them in turn, A B A B A B, so
a change in the machine's background load hits both alike. Each round prints both figures and their ratio
(target >= 0.5), wrk's CPU share of the cores, the servers' share, the other processes' share and p99.
With several worker counts it also prints uidp's scaling (2 workers / 1 worker, target >= 1.8) and the most the
cores allow: the cores other processes leave free, spent as the one-worker run spent them (uidp, wrk, PostgreSQL
and Redis, which share this machine's cores), so on a quiet 2-core machine where one worker's run keeps 1.3
cores busy, 2 workers can give at most 1.5x.

SQLite + in-process store by default; ``--postgres`` (a server URL: a fresh database is made and dropped) and
``--redis`` (a fresh key prefix) for the production stack.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import strawberry
from _measure import (
    BACKENDS,
    backend_label,
    free_port,
    machine_busy_seconds,
    named_cpu_seconds,
    run_cli,
    start_logged,
    start_uidp,
    stop_process,
    tree_cpu_seconds,
    uidp_env,
    wait_answering,
)
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

BENCH_DIR = Path(__file__).resolve().parent
PASSWORD = "Bench#Pass2026"
TRIVIAL_QUERY = "{ me { id name level } }"
UIDP_QUERY = "{ me { __typename ... on PersonAccount { id maskedName level } } }"
LOGIN = "mutation($i: LoginWithPasswordInput!){ loginWithPassword(input: $i){ ... on LoginSuccess { token } } }"
TARGET_RATIO, TARGET_SCALING = 0.5, 1.8

# -- the trivial app (imported by its server processes as "me:create_app") ---------------------------------

PERSON = {"id": "5b0c7f36-2f4e-4c0e-9a53-0d6a4c1d2e11", "name": "测*", "level": 1}


@strawberry.type
class Me:
    id: strawberry.ID
    name: str
    level: int


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> Me:
        return Me(id=strawberry.ID(PERSON["id"]), name=str(PERSON["name"]), level=int(PERSON["level"]))


def create_app() -> Starlette:
    """The trivial app: one Strawberry schema with the parser and validation caches uidp uses."""
    schema = strawberry.Schema(query=Query, extensions=[ParserCache(maxsize=512), ValidationCache(maxsize=512)])
    graphql: Any = GraphQL(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])


# -- servers ------------------------------------------------------------------------------------------------


@dataclass
class Server:
    label: str
    workers: int
    url: str
    proc: subprocess.Popen[bytes]
    query: str
    token: str | None = None


def wait_up(server: Server) -> None:
    wait_answering(f"{server.url}/graphql", server.proc, json={"query": "{ __typename }"})
    time.sleep(0.5 * server.workers)  # the other workers finish starting


def check_answer(server: Server) -> None:
    headers = {"authorization": f"Bearer {server.token}"} if server.token else {}
    body = httpx.post(f"{server.url}/graphql", json={"query": server.query}, headers=headers, timeout=30).json()
    me = (body.get("data") or {}).get("me") or {}
    if not me.get("id") or not me.get("level"):
        raise RuntimeError(f"{server.label} does not answer `me`: {body}")


# -- wrk ----------------------------------------------------------------------------------------------------

LATENCY = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
ERRORS = re.compile(r"Socket errors:.*")


def wrk_script(folder: Path, server: Server) -> Path:
    headers = {"Content-Type": "application/json"}
    if server.token:
        headers["Authorization"] = f"Bearer {server.token}"
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps({'query': server.query}))}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    path = folder / f"{server.label.replace(' ', '-')}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(server: Server, script: Path, seconds: float, connections: int) -> dict[str, Any]:
    """One wrk run; the figures, wrk's own CPU seconds and the server's over the run."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "-s",
        str(script),
        f"{server.url}/graphql",
    ]
    server0, busy0, backends0 = tree_cpu_seconds(server.proc.pid), machine_busy_seconds(), named_cpu_seconds(BACKENDS)
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    server_cpu = tree_cpu_seconds(server.proc.pid) - server0
    busy = machine_busy_seconds() - busy0
    backends_cpu = named_cpu_seconds(BACKENDS) - backends0
    rate, p99 = RATE.search(output), LATENCY.search(output)
    if proc.returncode != 0 or rate is None or p99 is None:
        raise RuntimeError(f"wrk failed on {server.label}:\n{output}")
    bad = BAD.search(output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99[2]]
    errors = ERRORS.search(output)
    return {
        "rate": float(rate[1]),
        "p99_ms": float(p99[1]) * scale,
        "bad": int(bad[1]) if bad else 0,
        "errors": errors[0] if errors else "",
        "wrk_cpu": usage.ru_utime + usage.ru_stime,
        "server_cpu": server_cpu,
        "backends_cpu": backends_cpu,
        "other_cpu": max(0.0, busy - server_cpu - backends_cpu - usage.ru_utime - usage.ru_stime),
        "elapsed": elapsed,
    }


# -- the run ------------------------------------------------------------------------------------------------


def login_token(env: dict[str, str], url: str, phone: str) -> str:
    body = {"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
    answer = httpx.post(f"{url}/graphql", json=body, timeout=120).json()
    token = ((answer.get("data") or {}).get("loginWithPassword") or {}).get("token")
    if not token:
        raise RuntimeError(f"login failed: {answer}")
    return str(token)


def run(options: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    workers = [int(w) for w in options.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="uidp-bench-me-") as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        with uidp_env(folder / "data", options.rounds_bcrypt, options.postgres, options.redis) as env:
            run_cli(env, "migrate")
            phone = run_cli(env, "seed-persons", "--count", "1", "--password", PASSWORD).split()[0]
            trivial_env = {**env, "PYTHONPATH": os.pathsep.join((str(BENCH_DIR), env["PYTHONPATH"]))}
            servers: list[Server] = []
            try:
                for count in workers:
                    port = free_port()
                    serve = (
                        "from uidp.http.server import serve; "
                        f"serve(factory='me:create_app', port={port}, workers={count}, log_level='warning')"
                    )
                    trivial = start_logged([sys.executable, "-c", serve], trivial_env, folder / f"trivial-{count}.log")
                    servers.append(
                        Server(f"trivial {count}w", count, f"http://127.0.0.1:{port}", trivial, TRIVIAL_QUERY)
                    )
                    port = free_port()
                    ours = start_uidp(env, port, count, folder / f"uidp-{count}.log")
                    servers.append(Server(f"uidp {count}w", count, f"http://127.0.0.1:{port}", ours, UIDP_QUERY))
                for server in servers:
                    wait_up(server)
                    if server.query == UIDP_QUERY:
                        server.token = login_token(env, server.url, phone)
                    check_answer(server)
                scripts = {server.label: wrk_script(folder, server) for server in servers}
                for server in servers:  # warm-up: caches, connections, the JIT-less interpreter's first calls
                    wrk(server, scripts[server.label], 2, options.connections)
                rounds: list[dict[str, dict[str, Any]]] = []
                for _ in range(options.rounds):
                    rounds.append(
                        {s.label: wrk(s, scripts[s.label], options.duration, options.connections) for s in servers}
                    )
            except BaseException:
                for server in servers:
                    log = folder / f"{server.label.split()[0]}-{server.workers}.log"
                    if log.exists():
                        print(f"--- {server.label} log\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
                raise
            finally:
                for server in servers:
                    stop_process(server.proc)
    report(options, workers, rounds, cores)


def cpu_ms(run: dict[str, Any]) -> float:
    """Server CPU milliseconds per answered request over a run."""
    return 1000 * run["server_cpu"] / max(1.0, run["rate"] * run["elapsed"])


def scaling_bound(one_worker: dict[str, Any], two_workers: dict[str, Any], cores: int) -> float:
    """The most two workers could give over one on these cores: every core that other processes left free in the
    two-worker run busy with what one worker's requests cost the machine (the worker, the load generator,
    PostgreSQL and Redis)."""
    spent = one_worker["server_cpu"] + one_worker["wrk_cpu"] + one_worker["backends_cpu"]
    used = spent / one_worker["elapsed"]  # cores one worker's run kept busy
    free = cores - two_workers["other_cpu"] / two_workers["elapsed"]
    return min(2.0, free / max(used, 1e-9))


def report(
    options: argparse.Namespace, workers: list[int], rounds: list[dict[str, dict[str, Any]]], cores: int
) -> None:
    print(
        f"\n`me` benchmark on {backend_label(options.postgres, options.redis)}: wrk -t1 -c{options.connections},"
        f" {options.duration:g} s a run, {options.rounds} rounds A B A B..., {cores} cores"
    )
    ratios: dict[int, list[float]] = {w: [] for w in workers}
    scaling: list[float] = []
    allowed: list[float] = []
    for index, runs in enumerate(rounds, 1):
        for count in workers:
            ours, bound = runs[f"uidp {count}w"], runs[f"trivial {count}w"]
            ratio = ours["rate"] / bound["rate"]
            ratios[count].append(ratio)
            window = cores * ours["elapsed"]
            print(
                f"round {index} {count}w: uidp {ours['rate']:8.1f} req/s (p99 {ours['p99_ms']:.1f} ms, server"
                f" {ours['server_cpu'] / window:.0%}, wrk {ours['wrk_cpu'] / window:.0%},"
                f" PostgreSQL + Redis {ours['backends_cpu'] / window:.0%}, other processes"
                f" {ours['other_cpu'] / window:.0%} of the cores"
                f"{', non-2xx ' + str(ours['bad']) if ours['bad'] else ''}"
                f"{', ' + ours['errors'] if ours['errors'] else ''})"
                f" | trivial {bound['rate']:8.1f} req/s (p99 {bound['p99_ms']:.1f} ms, server"
                f" {bound['server_cpu'] / (cores * bound['elapsed']):.0%}, wrk"
                f" {bound['wrk_cpu'] / (cores * bound['elapsed']):.0%}, other"
                f" {bound['other_cpu'] / (cores * bound['elapsed']):.0%}) | ratio {ratio:.3f};"
                f" server CPU a request: uidp {cpu_ms(ours):.2f} ms, trivial {cpu_ms(bound):.2f} ms"
            )
        if 1 in workers and 2 in workers:
            scaling.append(runs["uidp 2w"]["rate"] / runs["uidp 1w"]["rate"])
            allowed.append(scaling_bound(runs["uidp 1w"], runs["uidp 2w"], cores))
    for count in workers:
        low, high = min(ratios[count]), max(ratios[count])
        met = "met" if low >= TARGET_RATIO else "NOT met"
        print(
            f"uidp/trivial, {count} worker(s): {low:.3f}-{high:.3f} over {len(rounds)} rounds"
            f" (target >= {TARGET_RATIO}: {met})"
        )
    for count in workers:
        p99 = [runs[f"uidp {count}w"]["p99_ms"] for runs in rounds]
        print(f"uidp p99, {count} worker(s): {min(p99):.1f}-{max(p99):.1f} ms")
    if scaling:
        met = "met" if min(scaling) >= TARGET_SCALING else "NOT met"
        print(f"uidp 2 workers / 1 worker: {min(scaling):.2f}-{max(scaling):.2f}x (target >= {TARGET_SCALING}: {met})")
        shares = [s / a for s, a in zip(scaling, allowed, strict=True)]
        print(
            f"  the cores allow at most {min(allowed):.2f}-{max(allowed):.2f}x (the {cores} cores, less other"
            f" processes' share, spent as one worker's run spent them: uidp, wrk, PostgreSQL + Redis);"
            f" reached {min(shares):.0%}-{max(shares):.0%} of it"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--rounds", type=int, default=3, help="A B rounds")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds-bcrypt", type=int, default=4, help="bcrypt cost (only the one login uses it)")
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is made and dropped)")
    parser.add_argument("--redis", help="Redis URL (a fresh key prefix)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
