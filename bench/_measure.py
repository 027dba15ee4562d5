"""Measurement helpers shared by the benchmarks: free ports, CPU time of process trees, machine busy time, and
a uidp instance of its own (data dir, database, store prefix)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REPO_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (not idle or waiting for I/O) since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS


# -- a uidp instance for a benchmark: its own data dir, database and store prefix ---------------------------


def uidp_command() -> list[str]:
    """The ``uidp`` console script next to this interpreter, or an equivalent ``python -c`` call."""
    script = Path(sys.executable).with_name("uidp")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from uidp.cli import main; sys.exit(main())"]


@contextlib.contextmanager
def uidp_env(data_dir: Path, rounds: int, postgres: str | None, redis: str | None) -> Iterator[dict[str, str]]:
    """The environment of a dev-profile uidp on SQLite under ``data_dir``, or on a fresh PostgreSQL database
    made from ``postgres`` (a server URL; dropped afterwards) with Redis at ``redis`` under a fresh prefix."""
    env = dict(os.environ)
    env.update(
        UIDP_PROFILE="dev",
        UIDP_DATA_DIR=str(data_dir),
        UIDP_BCRYPT_ROUNDS=str(rounds),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH")) if p),
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


async def _pg(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def backend_label(postgres: str | None, redis: str | None) -> str:
    return "PostgreSQL + Redis" if postgres else "SQLite + in-process store" + (" (Redis)" if redis else "")
