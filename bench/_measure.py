"""Measurement helpers shared by the benchmarks: free ports, CPU time (this process, process trees, the whole
machine), percentiles, a raw keep-alive HTTP client, server processes (start, wait, stop), and a uidp instance of
its own (data dir, database, store prefix) with its command line."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REPO_DIR = Path(__file__).resolve().parent.parent


_GIVEN: set[int] = set()


def free_port() -> int:
    """Return a loopback TCP port that is free right now and not returned before by this process: a server
    started on the last one may not be listening yet, and the kernel can hand the same port out again."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) of ``root`` and all its live descendants, read from /proc."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, (ppid, _) in stats.items() if ppid == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(stats[p][1] for p in tree if p in stats)


LOAD_GOAL = 0.5  # a load generator's share of the machine must stay below this, or it is what is measured


def cpu_shares(window: float, server: float, load: float, busy: float, backends: float = 0.0, done: int = 0) -> str:
    """Where the cores went over ``window`` CPU seconds (cores x seconds): the server, the load generator (against
    its bound, ``LOAD_GOAL``), PostgreSQL + Redis when measured, other processes and idle; with ``done``
    requests, the server's and the load generator's milliseconds a request too."""

    def each(seconds: float) -> str:
        return f" ({seconds * 1000 / done:.2f} ms a request)" if done else ""

    share = load / window
    backend_part = f", PostgreSQL + Redis (all their users) {backends / window:.0%}" if backends else ""
    return (
        f"server {server / window:.0%}{each(server)}, load generator {share:.0%}{each(load)} (bound <"
        f" {LOAD_GOAL:.0%}: ratio {share / LOAD_GOAL:.2f}){backend_part},"
        f" other {max(0.0, busy - server - load - backends) / window:.0%}, idle {max(0.0, window - busy) / window:.0%}"
    )


BACKENDS = frozenset({"postgres", "redis-server"})  # their processes' CPU is shown apart (shared with others)


def named_cpu_seconds(names: frozenset[str]) -> float:
    """CPU seconds (user + system) of every live process whose command name is in ``names`` (e.g. the
    PostgreSQL and Redis servers, whoever else uses them)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            head, tail = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)
            if head.split("(", 1)[1] in names:
                fields = tail.split()
                total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (not idle or waiting for I/O) since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS


def self_cpu() -> float:
    """CPU seconds (user + system) used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (any order; q in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def sleep_until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment`` (CLOCK_MONOTONIC is shared by all processes)."""
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client (asyncio streams, prebuilt requests).

    A load generator or probe must cost the shared cores as little as possible: httpx spends milliseconds of
    CPU a request, which on a 2-core machine would be taken from the server being measured.
    """

    def __init__(self, base_url: str) -> None:
        host, port = base_url.split("//", 1)[1].split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def request_bytes(
        self,
        path: str,
        body: bytes,
        headers: dict[str, str],
        *,
        method: str = "POST",
        content_type: str = "application/json",
    ) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}",
            *([f"Content-Type: {content_type}"] if body else []),
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send a prebuilt request; returns (status, body)."""
        status, _, body = await self.exchange(request)
        return status, body

    async def exchange(self, request: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        """Send a prebuilt request; returns (status, headers with lower-case names, body)."""
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, await self.reader.readexactly(int(headers.get(b"content-length", b"0")))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()


# -- server processes -----------------------------------------------------------------------------------------


def start_logged(command: list[str], env: dict[str, str], log: Path, cwd: Path = REPO_DIR) -> subprocess.Popen[bytes]:
    """Start ``command`` in a session of its own (so a hung server's whole tree can be killed), output to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_answering(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 60, json: dict[str, object] | None = None
) -> None:
    """Poll ``url`` (GET, or POST ``json``) until it answers 200; fail if ``proc`` exits or the time passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before {url} answered")
        with contextlib.suppress(httpx.TransportError):
            answer = httpx.get(url, timeout=2) if json is None else httpx.post(url, json=json, timeout=2)
            if answer.status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM ``proc`` (a server forwards it to its workers); SIGKILL its whole session if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- a uidp instance for a benchmark: its own data dir, database and store prefix ---------------------------


def uidp_command() -> list[str]:
    """The ``uidp`` console script next to this interpreter, or an equivalent ``python -c`` call."""
    script = Path(sys.executable).with_name("uidp")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from uidp.cli import main; sys.exit(main())"]


def run_cli(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run ``uidp ARGS`` to completion and return its stdout; raise with its output on failure."""
    started = time.monotonic()
    done = subprocess.run(
        [*uidp_command(), *args], env=env, cwd=REPO_DIR, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"`uidp {' '.join(args)}` exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
            f"\n--- stderr\n{done.stderr[-3000:]}"
        )
    print(f"  uidp {args[0]}: {time.monotonic() - started:.1f} s", flush=True)
    return done.stdout


@contextlib.contextmanager
def uidp_env(
    data_dir: Path, rounds: int, postgres: str | None, redis: str | None, **extra: str
) -> Iterator[dict[str, str]]:
    """The environment of a dev-profile uidp on SQLite under ``data_dir``, or on a fresh PostgreSQL database
    made from ``postgres`` (a server URL; dropped afterwards) with Redis at ``redis`` under a fresh prefix
    (its keys deleted afterwards); ``extra`` settings on top."""
    env = dict(os.environ)
    env.update(
        UIDP_PROFILE="dev",
        UIDP_DATA_DIR=str(data_dir),
        UIDP_BCRYPT_ROUNDS=str(rounds),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH")) if p),
        **extra,
    )
    name = f"uidp_bench_{uuid.uuid4().hex[:10]}"
    if postgres:
        env["UIDP_DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/" + name
        asyncio.run(_pg(postgres, f'CREATE DATABASE "{name}"'))
    if redis:
        env.update(UIDP_STORE_URL=redis, UIDP_STORE_PREFIX=f"{name}:")
    try:
        yield env
    finally:
        if postgres:
            asyncio.run(_pg(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if redis:
            asyncio.run(_clear_prefix(redis, f"{name}:"))


async def _pg(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _clear_prefix(url: str, prefix: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    try:
        async for key in client.scan_iter(match=prefix + "*"):
            await client.delete(key)
    finally:
        await client.aclose()


def backend_label(postgres: str | None, redis: str | None) -> str:
    return "PostgreSQL + Redis" if postgres else "SQLite + in-process store" + (" (Redis)" if redis else "")


def start_uidp(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """``uidp serve --no-migrate --workers W --port P`` (migrated beforehand) in its own session, output to ``log``."""
    command = [*uidp_command(), "serve", "--no-migrate", "--workers", str(workers), "--port", str(port)]
    return start_logged(command, env, log)
