"""Benchmark: login and `me` latency with a small and a large population of persons, side by side.

Run: ``.venv/bin/python bench/scale.py [--small 1000] [--large 1000000] [--rounds 3] [--logins 20] [--mes 200]
[--postgres postgres://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/0]``

Two uidp instances, one seeded with ``--small`` persons and one with ``--large`` (``uidp seed-persons``, its
rate printed), each served by one worker. Then, in ``--rounds`` rounds A B A B..., one client logs in as
``--logins`` persons drawn at random from the whole population (sequentially, one at a time) and sends
``--mes`` ``me`` queries with one of those sessions, on each instance in turn. Printed: p50 and p99 of each,
the large/small ratio of each per round (target <= 1.3), the client's CPU share of the cores and the server's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _measure import (
    backend_label,
    free_port,
    percentile,
    self_cpu,
    start_uidp,
    stop_process,
    tree_cpu_seconds,
    uidp_command,
    uidp_env,
    wait_answering,
)

REPO_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Bench#Pass2026"
LOGIN = (
    "mutation($i: LoginWithPasswordInput!){ loginWithPassword(input: $i){ __typename ... on LoginSuccess { token } } }"
)
ME = "{ me { __typename ... on PersonAccount { id maskedName level } } }"
TARGET = 1.3


@dataclass
class Instance:
    label: str
    persons: int
    env: dict[str, str]
    url: str = ""
    proc: subprocess.Popen[bytes] | None = None


def seed(instance: Instance) -> float:
    """Seed the instance; returns persons/s as the command measured them."""
    started = time.monotonic()
    done = subprocess.run(
        [*uidp_command(), "seed-persons", "--count", str(instance.persons), "--password", PASSWORD],
        env=instance.env, cwd=REPO_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    print(f"  {instance.label}: {instance.persons} persons in {elapsed:.1f} s ({instance.persons / elapsed:.0f}/s);"
          f" {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}", flush=True)  # fmt: skip
    return instance.persons / elapsed


def serve(instance: Instance, log: Path) -> None:
    port = free_port()
    instance.url = f"http://127.0.0.1:{port}"
    instance.proc = start_uidp(instance.env, port, 1, log)
    try:
        wait_answering(f"{instance.url}/health", instance.proc)
    except RuntimeError as exc:
        raise RuntimeError(f"{instance.label} did not start: {log.read_text()[-2000:]}") from exc


def stop(instance: Instance) -> None:
    if instance.proc is not None:
        stop_process(instance.proc)


def measure(instance: Instance, logins: int, mes: int, rng: random.Random) -> dict[str, Any]:
    """Sequential logins as random persons, then sequential `me` queries; latencies in ms and CPU shares."""
    assert instance.proc is not None
    server0, self0, started = tree_cpu_seconds(instance.proc.pid), self_cpu(), time.monotonic()
    login_ms, me_ms, token = [], [], None
    with httpx.Client(base_url=instance.url, timeout=120) as http:
        http.get("/health")
        for _ in range(logins):
            phone = f"139{rng.randrange(instance.persons):08d}"
            body = {"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
            t0 = time.monotonic()
            answer = http.post("/graphql", json=body).json()["data"]["loginWithPassword"]
            login_ms.append((time.monotonic() - t0) * 1000)
            if answer["__typename"] != "LoginSuccess":
                raise RuntimeError(f"{instance.label}: login of {phone} failed: {answer}")
            token = answer["token"]
        request = json.dumps({"query": ME}).encode()
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        for _ in range(mes):
            t0 = time.monotonic()
            me = http.post("/graphql", content=request, headers=headers).json()["data"]["me"]
            me_ms.append((time.monotonic() - t0) * 1000)
            if not me or not me.get("id"):
                raise RuntimeError(f"{instance.label}: `me` failed: {me}")
    elapsed = time.monotonic() - started
    window = elapsed * (os.cpu_count() or 1)
    return {
        "login_ms": login_ms,
        "me_ms": me_ms,
        "client": (self_cpu() - self0) / window,
        "server": (tree_cpu_seconds(instance.proc.pid) - server0) / window,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--logins", type=int, default=20, help="logins a round and instance")
    parser.add_argument("--mes", type=int, default=200, help="`me` queries a round and instance")
    parser.add_argument("--bcrypt-rounds", type=int, default=12)
    parser.add_argument("--postgres", help="PostgreSQL server URL (two databases are made and dropped)")
    parser.add_argument("--redis", help="Redis URL (fresh key prefixes)")
    options = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="uidp-bench-scale-") as tmp, contextlib.ExitStack() as stack:
        instances = []
        for label, persons in (("small", options.small), ("large", options.large)):
            data = Path(tmp, label)
            data.mkdir()
            env = stack.enter_context(uidp_env(data, options.bcrypt_rounds, options.postgres, options.redis))
            instances.append(Instance(label, persons, env))
        print(f"seeding on {backend_label(options.postgres, options.redis)}", flush=True)
        for instance in instances:
            subprocess.run(
                [*uidp_command(), "migrate"], env=instance.env, cwd=REPO_DIR, check=True, capture_output=True
            )
            seed(instance)
        try:
            for instance in instances:
                serve(instance, Path(tmp, f"{instance.label}.log"))
            for instance in instances:
                measure(instance, 2, 20, rng)  # warm-up
            rounds = [
                {i.label: measure(i, options.logins, options.mes, rng) for i in instances}
                for _ in range(options.rounds)
            ]
        finally:
            for instance in instances:
                stop(instance)
    print(f"\nscale benchmark on {backend_label(options.postgres, options.redis)}: {options.small} vs {options.large}"
          f" persons, 1 worker each, bcrypt cost {options.bcrypt_rounds}, {options.rounds} rounds A B")  # fmt: skip
    ratios: dict[str, list[float]] = {"login p50": [], "login p99": [], "me p50": [], "me p99": []}
    for index, runs in enumerate(rounds, 1):
        parts = []
        for label in ("small", "large"):
            run = runs[label]
            parts.append(
                f"{label}: login p50 {percentile(run['login_ms'], 0.5):.0f} ms"
                f" p99 {percentile(run['login_ms'], 0.99):.0f} ms,"
                f" me p50 {percentile(run['me_ms'], 0.5):.1f} ms p99 {percentile(run['me_ms'], 0.99):.1f} ms"
                f" (client {run['client']:.0%}, server {run['server']:.0%} of the cores)"
            )
        for name in ratios:
            kind, q = name.split()
            key, quant = f"{kind}_ms", 0.5 if q == "p50" else 0.99
            ratios[name].append(percentile(runs["large"][key], quant) / percentile(runs["small"][key], quant))
        print(f"round {index}: " + " | ".join(parts))
    for name, values in ratios.items():
        met = "met" if max(values) <= TARGET else "NOT met"
        print(f"large/small {name}: {min(values):.2f}-{max(values):.2f} (target <= {TARGET}: {met})")


if __name__ == "__main__":
    main()
