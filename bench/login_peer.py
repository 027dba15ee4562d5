"""Benchmark: password logins/s of uidp and of a fastapi-users server, each against the bcrypt bound, in one run.

Run: ``.venv/bin/python bench/login_peer.py [--pairs 3] [--rounds 12] [--count 200] [--duration 10]
[--clients 16] [--client-procs 2] [--workers 2] [--peer-venv /tmp/uidp-peer-venv]``

Steps (all on this machine, loopback only):

1. The peer's venv (``--peer-venv``), made on first use with ``PEER_REQUIREMENTS`` (pinned): fastapi-users is no
   dependency of uidp. The peer app is ours, ``bench/_login_peer_app.py``: fastapi-users as its documentation
   sets it up, on SQLite through aiosqlite, bcrypt at the same cost through its password helper
   (pwdlib's ``BcryptHasher``), JWT bearer logins.
2. uidp on a temporary SQLite data dir (``uidp migrate``, ``uidp seed-persons``) and the peer's SQLite file
   (its ``seed``), each with ``--count`` users sharing one hash of the same password.
3. Both servers up at once with ``--workers`` processes: ``uidp serve`` and ``uvicorn --workers`` (httptools,
   uvloop and no access log, as ``uidp serve`` runs); a first login on each checks the request.
4. ``--pairs`` times: the bcrypt bound (as bench/login.py measures it, both servers idle), a uidp window, the
   bound, a peer window, ... and the bound at the end, so each window is judged by the mean of the two bounds
   around it (A B A B: the machine's other work drifts, and weighs on both sides alike). Every window is
   bench/login.py's login load: ``--clients`` keep-alive httpx clients in ``--client-procs`` processes,
   rotating over the seeded users, a warm-up plus ``--duration`` seconds, each login a real password check
   (a GraphQL ``loginWithPassword`` for uidp, ``POST /auth/jwt/login`` for the peer), counted pro rata.
   Meanwhile this process samples the CPU of the driven server, the idle one, the load and the machine.
5. Prints each window's logins/s, the bound, their ratio and the CPU shares; then the ranges of the ratio for
   uidp (target >= 0.9) and for the peer, uidp/peer pair by pair (each against its own bound; target > 1), and
   the load generator's CPU share. Both servers are always stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from _measure import (
    free_port,
    machine_busy_seconds,
    run_cli,
    self_cpu,
    sleep_until,
    start_logged,
    start_uidp,
    stop_process,
    tree_cpu_seconds,
    uidp_env,
    wait_answering,
)
from login import LOGIN_OK, PASSWORD, add_load_options, first_token, graphql_login, login_window, measure_bound, seed

PEER_REQUIREMENTS = (
    "fastapi-users[sqlalchemy]==15.0.5",
    "fastapi-users-db-sqlalchemy==7.0.0",
    "pwdlib[bcrypt]==0.3.0",
    "aiosqlite==0.22.1",
    "uvicorn==0.54.0",  # as uidp pins it, with the same C parser and event loop
    "httptools>=0.6,<0.10",
    "uvloop>=0.21,<0.24",
)
PEER_APP = Path(__file__).with_name("_login_peer_app.py")
Bound = tuple[float, list[tuple[int, float, float]]]  # login.measure_bound: checks/s, (checks, s, CPU s) each


# -- the peer: its venv, its users, its server, its login --------------------------------------------------


def peer_venv(venv: Path) -> Path:
    """The ``bin`` folder of the peer's venv, made (or brought to ``PEER_REQUIREMENTS``) on first use."""
    marker = venv / "uidp-peer-requirements.txt"
    wanted = "\n".join(PEER_REQUIREMENTS) + "\n"
    if not (marker.exists() and marker.read_text() == wanted):
        print(f"  making the peer's venv in {venv} (pip install {' '.join(PEER_REQUIREMENTS)})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *PEER_REQUIREMENTS], check=True)
        marker.write_text(wanted)
    return venv / "bin"


def peer_env(db: Path, rounds: int) -> dict[str, str]:
    """The peer app's environment: its SQLite file and bcrypt cost."""
    return {**os.environ, "PEER_DB": str(db), "PEER_ROUNDS": str(rounds)}


def seed_peer(bin_dir: Path, env: dict[str, str], count: int) -> list[str]:
    """Make the peer's users; return their login names."""
    started = time.monotonic()
    done = subprocess.run(
        [str(bin_dir / "python"), str(PEER_APP), "seed", "--count", str(count), "--password", PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the peer's seed exited {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    print(f"  peer seed: {time.monotonic() - started:.1f} s", flush=True)
    return done.stdout.split()


def start_peer(bin_dir: Path, env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """``uvicorn _login_peer_app:app --workers W`` in its own session, output to ``log``."""
    command = [str(bin_dir / "uvicorn"), "_login_peer_app:app", "--app-dir", str(PEER_APP.parent)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--http", "httptools", "--loop", "uvloop", "--no-access-log"]
    return start_logged(command, env, log)


async def peer_login(client: httpx.AsyncClient, email: str) -> str:
    """One password login at the peer (fastapi-users' OAuth2 password form); answers its outcome."""
    response = await client.post("/auth/jwt/login", data={"username": email, "password": PASSWORD})
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return LOGIN_OK if response.json().get("access_token") else "no access_token"


def first_peer_login(base_url: str, email: str) -> None:
    """Log in once at the peer (a sanity check of its login request)."""
    response = httpx.post(f"{base_url}/auth/jwt/login", data={"username": email, "password": PASSWORD}, timeout=120)
    if response.status_code != 200 or not response.json().get("access_token"):
        raise RuntimeError(f"the peer's first login did not succeed: {response.status_code} {response.text[:1000]}")


# -- one window ------------------------------------------------------------------------------------------


def cpu_watch(driven: int, idle: int) -> Callable[[float, float], Awaitable[dict[str, Any]]]:
    """A window's watcher: CPU seconds of the driven server, the idle one, this process and the machine."""

    def sample() -> tuple[float, float, float, float]:
        return tree_cpu_seconds(driven), tree_cpu_seconds(idle), self_cpu(), machine_busy_seconds()

    async def watch(window_start: float, window_end: float) -> dict[str, Any]:
        await sleep_until(window_start)
        before = sample()
        await sleep_until(window_end)
        server, other, own, busy = (b - a for a, b in zip(before, sample(), strict=True))
        return {"server_cpu": server, "idle_server_cpu": other, "self_cpu": own, "busy": busy}

    return watch


def describe(name: str, run: dict[str, Any], before: float, after: float, cores: int, check_ms: float) -> str:
    """One window's line: logins/s against the bound around it, server CPU a login, and the CPU shares."""
    window = run["duration"] * cores
    probe = run["probe"]
    ours = probe["server_cpu"] + probe["idle_server_cpu"] + run["load_cpu"] + probe["self_cpu"]
    return (
        f"{name}: logins/s {run['logins_per_s']:.2f} ({run['completed']} completed, mean latency"
        f" {run['mean_latency'] * 1000:.0f} ms) / bcrypt bound {(before + after) / 2:.2f} checks/s (before"
        f" {before:.2f}, after {after:.2f}) = {run['ratio']:.3f}; server CPU a login {run['cpu_ms']:.0f} ms"
        f" = {run['cpu_ms'] / check_ms:.3f} bcrypt checks; CPU of the {cores} cores: server"
        f" {probe['server_cpu'] / window:.0%}, the idle server {probe['idle_server_cpu'] / window:.0%}, load"
        f" generator {run['load_cpu'] / window:.0%}, this process {probe['self_cpu'] / window:.0%}, other processes"
        f" {max(0.0, probe['busy'] - ours) / window:.0%}, idle {max(0.0, window - probe['busy']) / window:.0%};"
        f" login outcomes {dict(run['outcomes'])}"
    )


def report(options: Any, bounds: list[Bound], runs: list[tuple[str, dict[str, Any]]]) -> None:
    """Print each window against the bounds either side of it, then the ranges and uidp/peer pair by pair."""
    cores = os.cpu_count() or 1
    # The CPU a bcrypt check takes, over every bound process of the run: unlike checks/s, it does not depend
    # on how much of the cores the machine's other work left.
    checks = sum(n for _, samples in bounds for n, _, _ in samples)
    check_ms = 1000 * sum(cpu for _, samples in bounds for _, _, cpu in samples) / checks
    print()
    print(
        f"login peer benchmark: uidp serve vs fastapi-users (uvicorn), both on SQLite, rounds={options.rounds}"
        f" workers={options.workers}; {options.pairs} pairs of {options.duration:g}s windows"
        f" (+{options.warmup:g}s warm-up), the bound before, between and after them; clients={options.clients}"
        f" in {options.client_procs} processes users={options.count} cores={cores}"
    )
    ratios: dict[str, list[float]] = {"uidp": [], "peer": []}
    cpu_ms: dict[str, list[float]] = {"uidp": [], "peer": []}
    for index, (name, run) in enumerate(runs):
        before, after = bounds[index][0], bounds[index + 1][0]
        run["ratio"] = run["logins_per_s"] / ((before + after) / 2)
        run["duration"] = options.duration
        run["cpu_ms"] = 1000 * run["probe"]["server_cpu"] / max(run["logins_per_s"] * options.duration, 1e-9)
        ratios[name].append(run["ratio"])
        cpu_ms[name].append(run["cpu_ms"])
        print(f"window {index + 1} {describe(name, run, before, after, cores, check_ms)}")
    uidp, peer = ratios["uidp"], ratios["peer"]
    print(f"uidp ratio logins/bound: {min(uidp):.3f}-{max(uidp):.3f} over {len(uidp)} windows (target >= 0.9: "
          f"{'met' if min(uidp) >= 0.9 else 'NOT met'})")  # fmt: skip
    print(f"peer (fastapi-users) ratio logins/bound: {min(peer):.3f}-{max(peer):.3f} over {len(peer)} windows")
    pairs = [a / b for a, b in zip(uidp, peer, strict=True)]
    ahead = "yes" if min(pairs) > 1 else "NOT in every pair"
    print(
        f"uidp/peer, pair by pair (each against its own bound): {', '.join(f'{x:.3f}' for x in pairs)};"
        f" {min(pairs):.3f}-{max(pairs):.3f} (uidp ahead: {ahead})"
    )
    ours, theirs = cpu_ms["uidp"], cpu_ms["peer"]
    efficiency = [b / a for a, b in zip(ours, theirs, strict=True)]
    print(
        f"server CPU a login / a bcrypt check ({check_ms:.0f} ms of CPU): uidp {min(ours) / check_ms:.3f}-"
        f"{max(ours) / check_ms:.3f}, peer {min(theirs) / check_ms:.3f}-{max(theirs) / check_ms:.3f}; logins"
        f" per server CPU second, uidp/peer pair by pair: {', '.join(f'{x:.3f}' for x in efficiency)}"
    )
    shares = [run["load_cpu"] / (options.duration * cores) for _, run in runs]
    print(f"load generator CPU share: {min(shares):.1%}-{max(shares):.1%} of the {cores} cores")


# -- the run ---------------------------------------------------------------------------------------------


def run_benchmark(options: Any) -> None:
    """Steps 1 to 5 in a temporary folder; both servers are stopped whatever happens."""
    cores = os.cpu_count() or 1
    bin_dir = peer_venv(Path(options.peer_venv))
    with tempfile.TemporaryDirectory(prefix="uidp-bench-login-peer-") as tmp, contextlib.ExitStack() as stack:
        data_dir = Path(tmp, "data")
        data_dir.mkdir()
        env = stack.enter_context(uidp_env(data_dir, options.rounds, None, None))
        print(f"setting up in {tmp} (bcrypt rounds {options.rounds}, SQLite for both)", flush=True)
        run_cli(env, "migrate", timeout=600)
        phones = seed(env, options.count)
        penv = peer_env(Path(tmp, "peer.sqlite3"), options.rounds)
        emails = seed_peer(bin_dir, penv, options.count)
        ports = free_port(), free_port()
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        logs = Path(tmp, "uidp.log"), Path(tmp, "peer.log")
        servers: list[subprocess.Popen[bytes]] = []
        try:
            servers.append(start_uidp(env, ports[0], options.workers, logs[0]))
            servers.append(start_peer(bin_dir, penv, ports[1], options.workers, logs[1]))
            for url, server in zip(urls, servers, strict=True):
                wait_answering(f"{url}/health", server, timeout=120)
            first_token(urls[0], phones[0])
            first_peer_login(urls[1], emails[0])
            print(f"  uidp at {urls[0]}, the peer at {urls[1]}; measuring the bcrypt bound", flush=True)
            bounds = [measure_bound(options.rounds, options.bound_seconds, cores)]
            sides = [("uidp", 0, phones, graphql_login), ("peer", 1, emails, peer_login)]
            runs: list[tuple[str, dict[str, Any]]] = []
            for pair in range(options.pairs):
                for name, me, users, attempt in sides:
                    print(f"  pair {pair + 1} {name}: {options.warmup:g} + {options.duration:g} s", flush=True)
                    watch = cpu_watch(servers[me].pid, servers[1 - me].pid)
                    runs.append((name, login_window(urls[me], users, options, watch, attempt)))
                    bounds.append(measure_bound(options.rounds, options.bound_seconds, cores))
        except BaseException:
            for log in logs:
                if log.exists():
                    print(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
        finally:
            for server in servers:
                stop_process(server)
        report(options, bounds, runs)


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument("--pairs", type=int, default=3, help="uidp window, peer window pairs (A B A B ...)")
    parser.add_argument("--peer-venv", default="/tmp/uidp-peer-venv", help="the peer's venv (made on first use)")
    run_benchmark(parser.parse_args())


if __name__ == "__main__":
    main()
