"""Benchmark: instructions a request of `me` and `checkAuthorisation` under ``uidp serve``, counted by callgrind,
for one or more checkouts side by side on one seeded database.

Run: ``.venv/bin/python bench/instructions.py [--checkout DIR ...] [--requests 100] [--rounds 2]``

Requests per second on this machine move with whatever else its cores run (sessions are scheduled as
groups, ``nice`` does not isolate): two runs of the same code differ by 10 % and more. Instructions do not:
callgrind counts the server's own instructions, whatever else runs, so a change to the request path shows
in one run at a glance (decision 397 was measured this way). Steps:

1. A temporary data dir and ``uidp migrate``; the seed of ``bench/grants.py`` (100k grants in three-level
   chains) written in this process.
2. For each checkout (default: this one), ``uidp serve --workers 1`` of that checkout's code on the seeded
   database under ``valgrind --tool=callgrind --instr-atstart=no`` (``PYTHONHASHSEED=0``); a level-3 agent's
   proxy session (``loginAsAgent``), and 30 unmeasured requests of each query to warm the caches.
3. For ``--rounds`` rounds, each query in turn: instrumentation on, ``--requests`` sequential requests over
   one keep-alive connection, instrumentation off, a dump; the dump's total over the requests.
4. Prints, per checkout, millions of instructions a request of each query (the round with the fewest: a
   round may include a collection of the garbage collector) and check/me in instructions (the rate ratio
   `bench/grants.py` measures is close to it: 0.77 in instructions and 0.75-0.81 in req/s before decision
   397). The load generator's share is not counted: it runs outside callgrind, which counts only the server.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _measure import RawHttp, free_port, run_cli, start_logged, stop_process, uidp_env, wait_answering
from grants import CHECK_QUERY, ME_QUERY, check_variables, proxy_login, seed_and_measure

REPO_DIR = Path(__file__).resolve().parent.parent
SERVE = "import sys; from uidp.cli import main; sys.exit(main())"


def queries(seeded: dict[str, Any]) -> dict[str, bytes]:
    """The measured bodies: `me` and the check as bench/grants.py sends them, and the check without its chain."""
    check_input = {"i": check_variables(seeded)}
    bare = (
        "query($i: CheckAuthorisationInput!){ checkAuthorisation(input: $i){ __typename"
        " ... on Authorisation { allowed } } }"
    )
    bodies = {
        "me": {"query": ME_QUERY},
        "check": {"query": CHECK_QUERY, "variables": check_input},
        "check without chain": {"query": bare, "variables": check_input},
    }
    return {name: json.dumps(body).encode() for name, body in bodies.items()}


def start_counted(checkout: Path, env: dict[str, str], port: int, out: str, log: Path) -> subprocess.Popen[bytes]:
    """``uidp serve`` of ``checkout``'s code under callgrind, instrumentation off until asked."""
    counted = dict(env, PYTHONPATH=str(checkout), PYTHONHASHSEED="0")
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}.%p",
        sys.executable,
        "-c",
        SERVE,
        *("serve", "--no-migrate", "--workers", "1", "--port", str(port)),
    ]
    return start_logged(command, counted, log, cwd=checkout)


async def send(base_url: str, token: str, body: bytes, count: int) -> None:
    client = RawHttp(base_url)
    await client.connect()
    request = client.request_bytes("/graphql", body, {"Authorization": f"Bearer {token}"})
    try:
        for _ in range(count):
            status, answer = await client.send(request)
            if status != 200 or b'"errors"' in answer:
                raise RuntimeError(f"the request failed: {status} {answer[:300]!r}")
    finally:
        await client.close()


def dump_total(pid: int, out: str) -> int:
    """Dump callgrind's counters now; the new dump file's total instructions."""
    before = set(glob.glob(f"{out}.{pid}.*"))
    subprocess.run(["callgrind_control", "-d", str(pid)], capture_output=True, check=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        new = set(glob.glob(f"{out}.{pid}.*")) - before
        for path in new:
            text = Path(path).read_text()
            for line in text.splitlines():
                if line.startswith("totals:"):
                    return int(line.split()[1])
        time.sleep(0.2)
    raise RuntimeError("callgrind wrote no dump")


def measure(checkout: Path, env: dict[str, str], seeded: dict[str, Any], options: Any, tmp: str) -> dict[str, float]:
    port = free_port()
    out = f"{tmp}/callgrind-{port}"
    server = start_counted(checkout, env, port, out, Path(tmp, f"server-{port}.log"))
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_answering(f"{base_url}/health", server, timeout=900)
        token = proxy_login(base_url, seeded)
        bodies = queries(seeded)
        for body in bodies.values():
            asyncio.run(send(base_url, token, body, 30))
        per_request: dict[str, float] = {}
        for _ in range(options.rounds):
            for name, body in bodies.items():
                subprocess.run(["callgrind_control", "-z", str(server.pid)], capture_output=True, check=True)
                subprocess.run(["callgrind_control", "-i", "on", str(server.pid)], capture_output=True, check=True)
                asyncio.run(send(base_url, token, body, options.requests))
                subprocess.run(["callgrind_control", "-i", "off", str(server.pid)], capture_output=True, check=True)
                count = dump_total(server.pid, out) / options.requests
                per_request[name] = min(per_request.get(name, count), count)
        return per_request
    except BaseException:
        print(Path(tmp, f"server-{port}.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop_process(server, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", action="append", type=Path, help="a checkout whose code to count (repeat)")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests a measured round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every query")
    options = parser.parse_args()
    checkouts = [path.resolve() for path in options.checkout or [REPO_DIR]]
    seed_options = SimpleNamespace(entities=1000, chains=34, persons=300, postgres="", redis="")
    with tempfile.TemporaryDirectory(prefix="uidp-bench-instructions-") as tmp:
        data_dir = Path(tmp, "data")
        data_dir.mkdir()
        with uidp_env(data_dir, 4, None, None) as env:
            run_cli(env, "migrate", timeout=600)
            seeded = asyncio.run(seed_and_measure(env, seed_options))
            results = {checkout: measure(checkout, env, seeded, options, tmp) for checkout in checkouts}
    print(f"\nuidp instructions benchmark: callgrind, 1 worker, SQLite; {options.requests} sequential requests a round")
    for checkout, counts in results.items():
        figures = ", ".join(f"{name} {count / 1e6:.3f} M" for name, count in counts.items())
        print(f"{checkout}: {figures}; check/me {counts['me'] / counts['check']:.3f} in instructions")
    print("(the server's own instructions a request, the fewest of the rounds; nothing else on the machine counts)")


if __name__ == "__main__":
    main()
