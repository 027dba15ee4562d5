"""Benchmark: password logins/s against the bcrypt bound, and `me` latency while logins saturate the CPU.

Run: ``.venv/bin/python bench/login.py [--rounds 12] [--count 200] [--duration 10] [--clients 16]
[--postgres postgres://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/0]``

Steps (all on this machine, loopback only):

1. A temporary data dir (SQLite), or a fresh PostgreSQL database and Redis prefix; ``uidp migrate``;
   ``uidp seed-persons --count N --password ...`` (dev profile), which prints one phone number per person.
2. ``uidp serve --workers W --port P``; wait for ``GET /health``.
3. The bound: one process per core running ``bcrypt.checkpw`` at the same cost for a few seconds, on the
   same cores, with the server idle. bound = total checks/s. It is measured before, between and after
   ``--windows`` login windows (steps 4-5), A B A B ..., and each window is judged by the mean of the two
   bounds around it, so the other work on a shared machine weighs on both sides alike.
4. Password logins from ``--clients`` keep-alive httpx clients in ``--client-procs`` processes (separate from
   the benchmark process), rotating over the seeded phones, for a warm-up plus ``--duration`` seconds.
   A login's share of the measuring window is counted pro rata of its duration, so the figure does not jump
   by a whole wave of concurrent logins when one ends just after the window.
5. Meanwhile a probe sends ``me`` (the person's id) with a bearer token on a fixed schedule, every
   ``--interval`` seconds, each timed from its scheduled moment (a probe due while earlier ones still wait
   goes out on another keep-alive connection; one the server closed while idle is opened again, within the
   probe's time), so a stall counts for every probe it held up; its latencies are compared to the 50 ms bound.
6. Prints for each window logins/s, the bound, their ratio (target >= 0.9), me p50/p99/max, and the CPU
   shares of the server, the load generator, the probe and the other processes on the machine; then the
   ranges over the windows (me p99 / 50 ms, target < 1). The server is always stopped.

``--bound-only`` measures and prints step 3 alone (no server needed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import bcrypt
import httpx
from _measure import (
    RawHttp,
    backend_label,
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

REPO_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Bench#Pass2026"
ME_BOUND_MS = 50.0
LOGIN_QUERY = (
    "mutation($i: LoginWithPasswordInput!){ loginWithPassword(input: $i){ __typename ... on LoginSuccess { token } } }"
)
# `me` is the union Viewer (PersonAccount | StaffMember), so `{ me { id } }` does not validate; this is the
# same request for a person.
ME_QUERY = "{ me { __typename ... on PersonAccount { id } } }"
PHONE_LINE = re.compile(r"^\+?\d{6,20}$")
LOGIN_OK = "LoginSuccess"  # the outcome of a login that succeeded (bench/login_peer.py's peer answers it too)

#: One login attempt on a keep-alive client, for an identifier; answers the outcome (``LOGIN_OK`` or why not).
#: A module-level function, so the spawned load processes can unpickle it.
Attempt = Callable[[httpx.AsyncClient, str], Awaitable[str]]

_spawn = multiprocessing.get_context("spawn")


# -- helpers ---------------------------------------------------------------------------------------------


def login_body(phone: str) -> dict[str, Any]:
    """The GraphQL request body of one password login."""
    return {"query": LOGIN_QUERY, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}


def login_outcome(response: httpx.Response) -> tuple[str, str | None]:
    """Classify a login response: (``__typename`` or an error label, token if any)."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}", None
    try:
        payload = response.json()
    except ValueError:
        return "invalid JSON", None
    result = (payload.get("data") or {}).get("loginWithPassword")
    if not result:
        errors = payload.get("errors") or [{}]
        return f"errors: {str(errors[0].get('message'))[:60]}", None
    return str(result.get("__typename")), result.get("token")


async def graphql_login(client: httpx.AsyncClient, phone: str) -> str:
    """One password login through uidp's GraphQL mutation; answers its outcome."""
    outcome, _ = login_outcome(await client.post("/graphql", json=login_body(phone)))
    return outcome


def me_outcome(status: int, body: bytes) -> str:
    """Classify a `me` response: "ok" when it names the logged-in person, else why not."""
    if status != 200:
        return f"HTTP {status}"
    payload = json.loads(body)
    me = (payload.get("data") or {}).get("me")
    if me and me.get("id"):
        return "ok"
    errors = payload.get("errors")
    return f"errors: {str(errors[0].get('message'))[:60]}" if errors else f"me = {me!r}"


# -- step 3: the bcrypt bound ----------------------------------------------------------------------------


def _bcrypt_process(hashed: bytes, secret: bytes, start_at: float, seconds: float, results: Any) -> None:
    """Entry point of one bound process: check the password until ``seconds`` have passed; reports the checks,
    the seconds and the CPU seconds they took."""
    while time.monotonic() < start_at:
        time.sleep(0.005)
    cpu = time.process_time()
    started = last = time.monotonic()
    checks = 0
    while last - started < seconds:
        if not bcrypt.checkpw(secret, hashed):
            raise RuntimeError("bcrypt check failed")
        checks += 1
        last = time.monotonic()
    results.put((checks, last - started, time.process_time() - cpu))


def measure_bound(rounds: int, seconds: float, processes: int) -> tuple[float, list[tuple[int, float, float]]]:
    """Total bcrypt checks/s of ``processes`` concurrent processes at cost ``rounds``, and each process's
    (checks, seconds, CPU seconds)."""
    # A 44-byte secret, like a base64 HMAC-SHA256 pre-hash of the password.
    secret = b"q" * 44
    hashed = bcrypt.hashpw(secret, bcrypt.gensalt(rounds))
    results = _spawn.Queue()
    start_at = time.monotonic() + 1.5  # time for the processes to start and import bcrypt
    procs = [
        _spawn.Process(target=_bcrypt_process, args=(hashed, secret, start_at, seconds, results))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    try:
        samples = [results.get(timeout=seconds + 120) for _ in procs]
    finally:
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
    return sum(checks / elapsed for checks, elapsed, _ in samples), samples


# -- step 4: the login load (separate processes) ---------------------------------------------------------


async def _login_client(
    base_url: str,
    phones: list[str],
    first: int,
    stride: int,
    start_at: float,
    stop_at: float,
    records: list[tuple[float, float, str]],
    attempt: Attempt,
) -> None:
    """One keep-alive client: logins back to back, identifiers ``first, first + stride, ...`` (mod N)."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base_url, timeout=300, limits=limits) as client:
        await client.get("/health")  # open the connection before the clock starts
        await sleep_until(start_at)
        index = first
        while time.monotonic() < stop_at:
            phone = phones[index % len(phones)]
            index += stride
            started = time.monotonic()
            try:
                outcome = await attempt(client, phone)
            except httpx.HTTPError as exc:
                outcome = f"transport: {type(exc).__name__}"
            records.append((started, time.monotonic(), outcome))


async def _login_load(
    base_url: str,
    phones: list[str],
    offset: int,
    clients: int,
    total_clients: int,
    times: tuple[float, float, float, float],
    attempt: Attempt,
) -> dict[str, Any]:
    """Run ``clients`` login clients; sample this process's CPU over the measuring window."""
    start_at, window_start, window_end, stop_at = times
    records: list[tuple[float, float, str]] = []

    async def sample_cpu() -> float:
        await sleep_until(window_start)
        cpu0 = self_cpu()
        await sleep_until(window_end)
        return self_cpu() - cpu0

    sampler = asyncio.create_task(sample_cpu())
    await asyncio.gather(
        *(
            _login_client(base_url, phones, offset + c, total_clients, start_at, stop_at, records, attempt)
            for c in range(clients)
        )
    )
    return {"records": records, "cpu": await sampler}


def _login_process(args: tuple[Any, ...], results: Any) -> None:
    """Entry point of one load generator process."""
    try:
        results.put(asyncio.run(_login_load(*args)))
    except BaseException as exc:
        results.put({"error": repr(exc)})
        raise


# -- step 5: the `me` probe (this process) ---------------------------------------------------------------


async def probe_me(
    base_url: str, token: str, interval: float, window_start: float, window_end: float, server_pid: int
) -> dict[str, Any]:
    """Send the ``me`` query on a fixed schedule, every ``interval`` s over the window, each timed from its
    scheduled moment (not from when the previous answer came: a one-second stall then counts for every probe
    it held up). A probe due while the others are still waiting goes out on another keep-alive connection
    (opened ahead, or on demand). Also samples the CPU of the server, this process and the machine."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    idle: list[RawHttp] = []
    for _ in range(4):  # open a few connections before the clock starts
        client = RawHttp(base_url)
        await client.connect()
        idle.append(client)
    opened = list(idle)
    request = idle[0].request_bytes(
        "/graphql", json.dumps({"query": ME_QUERY}).encode(), {"Authorization": f"Bearer {token}"}
    )

    async def one(due: float) -> None:
        await sleep_until(due)
        if idle:
            client = idle.pop()
        else:
            client = RawHttp(base_url)
            opened.append(client)
        try:
            reused = client.writer is not None
            if not reused:
                await client.connect()
            try:
                status, body = await client.send(request)
            except (ConnectionError, asyncio.IncompleteReadError):
                if not reused:
                    raise
                # the server closed this keep-alive connection while it sat idle (its keep-alive timeout):
                # a client opens a new one, and the time that takes counts for this probe
                await client.close()
                await client.connect()
                outcomes["reconnected"] += 1
                status, body = await client.send(request)
            outcomes[me_outcome(status, body)] += 1
            idle.append(client)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            outcomes[f"failed ({type(exc).__name__})"] += 1
        latencies.append(time.monotonic() - due)

    async def sample(moment: float) -> tuple[float, float, float]:
        await sleep_until(moment)
        return tree_cpu_seconds(server_pid), self_cpu(), machine_busy_seconds()

    try:
        count = int((window_end - window_start) / interval)
        before, after, *_ = await asyncio.gather(
            sample(window_start), sample(window_end), *(one(window_start + k * interval) for k in range(count))
        )
        (server0, self0, busy0), (server1, self1, busy1) = before, after
    finally:
        for client in opened:
            await client.close()
    return {
        "latencies": sorted(latencies),
        "outcomes": outcomes,
        "connections": len(opened),
        "server_cpu": server1 - server0,
        "self_cpu": self1 - self0,
        "busy": busy1 - busy0,
    }


# -- the run ---------------------------------------------------------------------------------------------


def seed(env: dict[str, str], count: int) -> list[str]:
    """Create ``count`` persons with the benchmark password; return their phone numbers."""
    out = run_cli(env, "seed-persons", "--count", str(count), "--password", PASSWORD, timeout=3600)
    phones = [line.strip() for line in out.splitlines() if PHONE_LINE.match(line.strip())]
    if not phones:
        raise RuntimeError(f"`uidp seed-persons` printed no phone numbers:\n{out[-2000:]}")
    if len(phones) < count:
        print(f"  warning: asked for {count} persons, got {len(phones)} phone numbers", flush=True)
    return phones


def first_token(base_url: str, phone: str) -> str:
    """Log in once (also a sanity check of the login request) and return the session token."""
    response = httpx.post(f"{base_url}/graphql", json=login_body(phone), timeout=120)
    outcome, token = login_outcome(response)
    if outcome != LOGIN_OK or not token:
        raise RuntimeError(f"the first login did not succeed ({outcome}): {response.text[:1000]}")
    return token


def drive(base_url: str, phones: list[str], token: str, server_pid: int, options: Any) -> dict[str, Any]:
    """Steps 4 and 5: the login load in separate processes and the `me` probe here, over one window."""

    def probe(window_start: float, window_end: float) -> Awaitable[dict[str, Any]]:
        return probe_me(base_url, token, options.interval, window_start, window_end, server_pid)

    return login_window(base_url, phones, options, probe, graphql_login)


def login_window(
    base_url: str,
    phones: list[str],
    options: Any,
    watch: Callable[[float, float], Awaitable[dict[str, Any]]],
    attempt: Attempt,
) -> dict[str, Any]:
    """Step 4 over one window: ``options.clients`` login clients (``attempt`` each time, over ``phones``, the
    identifiers) in ``options.client_procs`` separate processes, while ``watch(window_start, window_end)`` runs
    here (the `me` probe, or only CPU samples) and becomes the window's ``probe`` (with ``server_cpu``,
    ``self_cpu`` and ``busy``)."""
    start_at = time.monotonic() + 3.0  # time for the load processes to start and connect
    window_start = start_at + options.warmup
    window_end = window_start + options.duration
    times = (start_at, window_start, window_end, window_end)
    results = _spawn.Queue()
    per_proc = [options.clients // options.client_procs] * options.client_procs
    for i in range(options.clients % options.client_procs):
        per_proc[i] += 1
    procs, offset = [], 0
    for clients in per_proc:
        args = (base_url, phones, offset, clients, options.clients, times, attempt)
        procs.append(_spawn.Process(target=_login_process, args=(args, results)))
        offset += clients
    for proc in procs:
        proc.start()
    try:
        probe = asyncio.run(watch(window_start, window_end))
        loads = [results.get(timeout=600) for _ in procs]  # in-flight logins finish after the window
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    errors = [load["error"] for load in loads if "error" in load]
    if errors:
        raise RuntimeError(f"load generator failed: {errors}")
    records = [record for load in loads for record in load["records"]]
    effective = completed = 0.0
    for started, finished, outcome in records:
        if outcome != LOGIN_OK:
            continue
        overlap = min(finished, window_end) - max(started, window_start)
        if overlap > 0:
            effective += overlap / max(finished - started, 1e-9)
        completed += window_start <= finished <= window_end
    in_window = [f - s for s, f, o in records if o == LOGIN_OK and window_start <= f <= window_end]
    return {
        "logins_per_s": effective / options.duration,
        "completed": int(completed),
        "mean_latency": sum(in_window) / len(in_window) if in_window else float("nan"),
        "outcomes": Counter(outcome for _, _, outcome in records),
        "load_cpu": sum(load["cpu"] for load in loads),
        "probe": probe,
    }


def report(
    options: Any, bounds: list[tuple[float, list[tuple[int, float, float]]]], runs: list[dict[str, Any]]
) -> None:
    """Print each window's figures against the bound measured either side of it, then the ranges."""
    cores = os.cpu_count() or 1
    window = options.duration * cores
    print()
    print(
        f"uidp login benchmark: rounds={options.rounds} workers={options.workers} {len(runs)} windows of"
        f" {options.duration:g}s (+{options.warmup:g}s warm-up), the bound before, between and after them;"
        f" clients={options.clients} in {options.client_procs} processes persons={options.count} cores={cores}"
        f" on {backend_label(options.postgres, options.redis)}"
    )
    ratios, p99s, all_ms = [], [], []
    for index, run in enumerate(runs):
        (before, _), (after, _) = bounds[index], bounds[index + 1]
        bound = (before + after) / 2
        ratio = run["logins_per_s"] / bound
        ratios.append(ratio)
        probe = run["probe"]
        lat = [x * 1000 for x in probe["latencies"]]
        all_ms.extend(lat)
        p99 = percentile(lat, 0.99) if lat else float("nan")
        p99s.append(p99)
        ours = probe["server_cpu"] + run["load_cpu"] + probe["self_cpu"]
        print(
            f"window {index + 1}: logins/s {run['logins_per_s']:.2f} ({run['completed']} completed, mean latency"
            f" {run['mean_latency'] * 1000:.0f} ms) / bcrypt bound {bound:.2f} checks/s (before {before:.2f},"
            f" after {after:.2f}) = {ratio:.3f}; me p50 {percentile(lat, 0.5) if lat else float('nan'):.1f} ms"
            f" p99 {p99:.1f} ms max {max(lat, default=float('nan')):.1f} ms over {len(lat)} probes"
            f" ({probe['connections']} connections, outcomes {dict(probe['outcomes'])}); CPU of the {cores} cores:"
            f" server {probe['server_cpu'] / window:.0%}, load generator {run['load_cpu'] / window:.0%},"
            f" probe {probe['self_cpu'] / window:.0%}, other processes {max(0.0, probe['busy'] - ours) / window:.0%},"
            f" idle {max(0.0, window - probe['busy']) / window:.0%}; login outcomes {dict(run['outcomes'])}"
        )
    low, high = min(ratios), max(ratios)
    print(f"ratio logins/bound: {low:.3f}-{high:.3f} over {len(runs)} windows (target >= 0.9: "
          f"{'met' if low >= 0.9 else 'NOT met'})")  # fmt: skip
    if all_ms:
        worst = max(p99s)
        print(
            f"me p99 while logins saturate the CPU: {min(p99s):.1f}-{worst:.1f} ms over {len(runs)} windows"
            f" (probes every {options.interval * 1000:.0f} ms, timed from their scheduled moment); all windows:"
            f" p50 {percentile(all_ms, 0.5):.1f} ms, p99 {percentile(all_ms, 0.99):.1f} ms"
        )
        met = "met" if worst < ME_BOUND_MS else "NOT met"
        print(
            f"ratio me p99/{ME_BOUND_MS:.0f} ms: {min(p99s) / ME_BOUND_MS:.3f}-{worst / ME_BOUND_MS:.3f}"
            f" (target < 1: {met})"
        )


def run_benchmark(options: Any) -> None:
    """Steps 1 to 6 with a temporary data dir (and database); the server is stopped whatever happens."""
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="uidp-bench-login-") as tmp, contextlib.ExitStack() as stack:
        data_dir = Path(tmp, "data")
        data_dir.mkdir()
        env = stack.enter_context(uidp_env(data_dir, options.rounds, options.postgres, options.redis))
        print(f"setting up in {tmp} (bcrypt rounds {options.rounds}, {backend_label(options.postgres, options.redis)})")
        run_cli(env, "migrate", timeout=600)
        phones = seed(env, options.count)
        probe_phone, load_phones = phones[0], phones[1:] or phones
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp, "server.log")
        server = start_uidp(env, port, options.workers, log_path)
        try:
            wait_answering(f"{base_url}/health", server)
            print(f"  server up at {base_url} (pid {server.pid}); measuring the bcrypt bound", flush=True)
            # The bound before, between and after the login windows, with the server idle (A B A B ...):
            # background load on a shared machine drifts, and each window is judged by the two bounds around it.
            bounds = [measure_bound(options.rounds, options.bound_seconds, cores)]
            token = first_token(base_url, probe_phone)
            check = httpx.post(
                f"{base_url}/graphql", json={"query": ME_QUERY}, headers={"Authorization": f"Bearer {token}"}
            )
            if me_outcome(check.status_code, check.content) != "ok":
                raise RuntimeError(f"the `me` query does not work: {check.text[:1000]}")
            runs = []
            for index in range(options.windows):
                print(f"  window {index + 1}: logins for {options.warmup:g} + {options.duration:g} s", flush=True)
                runs.append(drive(base_url, load_phones, token, server.pid, options))
                bounds.append(measure_bound(options.rounds, options.bound_seconds, cores))
        except BaseException:
            print(f"--- server log (tail)\n{log_path.read_text(errors='replace')[-4000:]}", file=sys.stderr)
            raise
        finally:
            stop_process(server)
        report(options, bounds, runs)


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """The options of the login load and the bound (shared with bench/login_peer.py)."""
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost (UIDP_BCRYPT_ROUNDS)")
    parser.add_argument("--count", type=int, default=200, help="persons to seed and rotate over")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds of each login window")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds of load first")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive login clients")
    parser.add_argument("--client-procs", type=int, default=2, help="processes running the login clients")
    parser.add_argument("--bound-seconds", type=float, default=3.0, help="seconds of the bcrypt bound")


def main() -> None:
    """Parse the options and run the benchmark (or only the bound)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument("--windows", type=int, default=3, help="login windows, each between two bounds")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between `me` probes")
    parser.add_argument("--bound-only", action="store_true", help="only measure the bcrypt bound")
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is made and dropped)")
    parser.add_argument("--redis", help="Redis URL (a fresh key prefix)")
    options = parser.parse_args()
    if options.bound_only:
        cores = os.cpu_count() or 1
        bound, samples = measure_bound(options.rounds, options.bound_seconds, cores)
        detail = ", ".join(f"{checks} in {elapsed:.2f}s ({cpu:.2f}s CPU)" for checks, elapsed, cpu in samples)
        print(f"bcrypt bound (rounds {options.rounds}): {bound:.2f} checks/s ({cores} processes: {detail})")
        return
    run_benchmark(options)


if __name__ == "__main__":
    main()
