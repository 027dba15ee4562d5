"""Benchmark: OIDC token-endpoint exchanges/s and userinfo calls/s, each as a ratio to `me` through GraphQL on the
same server in the same run.

Run: ``.venv/bin/python bench/oidc.py [--workers 1] [--duration 8] [--clients 8] [--client-procs 1]
[--postgres postgres://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379]``

Steps (all on this machine, loopback only):

1. A temporary data dir (or a fresh PostgreSQL database and Redis prefix) and ``uidp migrate``; then, in this
   process, the seed through the models: ``--clients`` active persons with one password, a FAPI 2.0 client
   (private_key_jwt with an ES256 key, PAR, DPoP) and each person's remembered consent to every scope, so
   /oidc/authorize answers a code at once.
2. ``uidp serve --workers W`` with ``UIDP_OIDC_ISSUER`` its own URL. Each load client (one person) logs in
   through GraphQL (``loginWithPassword``; its token is the session cookie), pushes its request to /oidc/par
   (private_key_jwt, aud = the issuer, a DPoP key of its own), follows /oidc/authorize with the cookie to the
   code and exchanges it at /oidc/token (PKCE, DPoP with the server nonce): an access and a refresh token.
3. Alternating phases of ``--duration`` seconds (me, token, userinfo, me, token, userinfo), the load generator
   in ``--client-procs`` processes separate from this one, one keep-alive connection a load client:
   ``me``: ``{ me { ... on PersonAccount { id } } }`` with the session's bearer token; ``token``: refresh_token
   grants (each rotates; the new refresh token is kept), each with a fresh client assertion and DPoP proof;
   ``userinfo``: GET /oidc/userinfo with ``Authorization: DPoP`` and a proof carrying ``ath``. The proofs carry
   the server's nonce (``DPoP-Nonce``; a ``use_dpop_nonce`` answer is retried and counted).
4. Prints the rates, token/me and userinfo/me, the outcome counts, the server's CPU per request, and per kind
   the CPU shares of the server, the load generator (against its bound: below 50 % of the machine; it signs
   two ES256 JWTs per token request and one per userinfo call) and the rest of the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _measure import (
    BACKENDS,
    RawHttp,
    backend_label,
    cpu_shares,
    free_port,
    machine_busy_seconds,
    named_cpu_seconds,
    run_cli,
    self_cpu,
    sleep_until,
    start_uidp,
    stop_process,
    tree_cpu_seconds,
    uidp_env,
    wait_answering,
)
from _oidc_rp import Party, Rp, first_tokens, proof, refreshed, seed
from joserfc import jwk

ME_QUERY = "{ me { __typename ... on PersonAccount { id } } }"
KINDS = ("me", "token", "userinfo")

_spawn = multiprocessing.get_context("spawn")


# -- the load generator (separate processes) ---------------------------------------------------------------


def _error_of(status: int, body: bytes) -> str:
    try:
        return f"{status} {json.loads(body).get('error', '?')}"
    except (ValueError, AttributeError):
        return f"{status} ?"


class _Load:
    """One load process's clients of one phase: they share the server's latest DPoP nonce."""

    def __init__(self, base_url: str, rp: Rp, window: tuple[float, float]) -> None:
        self.base_url, self.rp, self.window = base_url, rp, window
        self.counts: Counter[str] = Counter()
        self.nonce: str | None = None

    def count(self, outcome: str, finished: float) -> None:
        if self.window[0] <= finished <= self.window[1]:
            self.counts[outcome] += 1

    async def drive(self, kind: str, party: Party, start_at: float) -> Party:
        client = RawHttp(self.base_url)
        await client.connect()
        try:
            await sleep_until(start_at)
            if kind == "me":
                await self._me(client, party)
                return party
            return await (self._token(client, party) if kind == "token" else self._userinfo(client, party))
        finally:
            await client.close()

    async def _me(self, client: RawHttp, party: Party) -> None:
        body = json.dumps({"query": ME_QUERY}).encode()
        request = client.request_bytes("/graphql", body, {"Authorization": f"Bearer {party.session_token}"})
        while time.monotonic() < self.window[1]:
            status, answer = await client.send(request)
            me = (json.loads(answer).get("data") or {}).get("me") or {} if status == 200 else {}
            self.count("ok" if me.get("id") else f"bad {status}", time.monotonic())

    async def _call(self, client: RawHttp, build: Any) -> tuple[int, bytes]:
        """Send ``build(nonce)``; on use_dpop_nonce take the fresh nonce and send again."""
        for _ in range(3):
            status, headers, body = await client.exchange(build(self.nonce))
            if b"dpop-nonce" in headers:
                self.nonce = headers[b"dpop-nonce"].decode()
            if status in (400, 401) and b"use_dpop_nonce" in body:
                self.count("use_dpop_nonce (retried)", time.monotonic())
                continue
            return status, body
        return status, body

    async def _token(self, client: RawHttp, party: Party) -> Party:
        key = jwk.ECKey.import_key(party.dpop_key)
        url = f"{self.rp.issuer}/oidc/token"
        while time.monotonic() < self.window[1]:
            refresh_token = party.refresh_token

            def build(nonce: str | None, refresh_token: str = refresh_token) -> bytes:
                form = self.rp.refresh_form(refresh_token)  # a fresh assertion and proof each time
                headers = {"DPoP": proof(key, "POST", url, nonce)}
                return client.request_bytes(
                    "/oidc/token", form, headers, content_type="application/x-www-form-urlencoded"
                )

            status, body = await self._call(client, build)
            data = json.loads(body) if status == 200 else {}
            if data.get("access_token") and data.get("refresh_token"):
                party = dataclasses.replace(
                    party, refresh_token=data["refresh_token"], access_token=data["access_token"]
                )
                self.count("ok", time.monotonic())
            else:
                self.counts[f"{_error_of(status, body)} (the family is gone: client stopped)"] += 1
                break
        return party

    async def _userinfo(self, client: RawHttp, party: Party) -> Party:
        key = jwk.ECKey.import_key(party.dpop_key)
        url, authorization = f"{self.rp.issuer}/oidc/userinfo", {"Authorization": f"DPoP {party.access_token}"}

        def build(nonce: str | None) -> bytes:
            headers = {**authorization, "DPoP": proof(key, "GET", url, nonce, party.access_token)}
            return client.request_bytes("/oidc/userinfo", b"", headers, method="GET")

        while time.monotonic() < self.window[1]:
            status, body = await self._call(client, build)
            ok = status == 200 and bool(json.loads(body).get("sub"))
            self.count("ok" if ok else _error_of(status, body), time.monotonic())
        return party


async def _phase(
    base_url: str, rp: Rp, kind: str, parties: list[Party], times: tuple[float, float, float]
) -> dict[str, Any]:
    start_at, window_start, window_end = times
    load = _Load(base_url, rp, (window_start, window_end))

    async def cpu() -> float:
        await sleep_until(window_start)
        before = self_cpu()
        await sleep_until(window_end)
        return self_cpu() - before

    sampler = asyncio.create_task(cpu())
    after = await asyncio.gather(*(load.drive(kind, party, start_at) for party in parties))
    return {"counts": dict(load.counts), "cpu": await sampler, "parties": list(after)}


def _load_process(args: tuple[Any, ...], results: Any) -> None:
    try:
        results.put((args[3], asyncio.run(_phase(*args[:3], args[4], args[5]))))
    except BaseException as exc:
        results.put((args[3], {"error": repr(exc)}))
        raise


def phase(base_url: str, rp: Rp, kind: str, parties: list[Party], options: Any, server_pid: int) -> dict[str, Any]:
    """One measured phase: the parties split over ``--client-procs`` processes; their parties come back (the
    token phase rotates every refresh token)."""
    start_at = time.monotonic() + 2.0
    window_start = start_at + options.warmup
    window_end = window_start + options.duration
    times = (start_at, window_start, window_end)
    results = _spawn.Queue()
    procs_n = max(1, min(options.client_procs, len(parties)))
    slices = [parties[i::procs_n] for i in range(procs_n)]
    procs = [
        _spawn.Process(target=_load_process, args=((base_url, rp, kind, i, slices[i], times), results))
        for i in range(procs_n)
    ]
    for proc in procs:
        proc.start()
    try:
        time.sleep(max(0.0, window_start - time.monotonic()))
        server0, busy0 = tree_cpu_seconds(server_pid), machine_busy_seconds()
        backends0 = named_cpu_seconds(BACKENDS) if options.postgres or options.redis else 0.0
        time.sleep(max(0.0, window_end - time.monotonic()))
        server1, busy1 = tree_cpu_seconds(server_pid), machine_busy_seconds()
        backends1 = named_cpu_seconds(BACKENDS) if options.postgres or options.redis else 0.0
        loads = dict(results.get(timeout=120) for _ in procs)
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    errors = [load["error"] for load in loads.values() if "error" in load]
    if errors:
        raise RuntimeError(f"load generator failed: {errors}")
    parties[:] = [loads[i % procs_n]["parties"][i // procs_n] for i in range(len(parties))]
    counts: Counter[str] = Counter()
    for load in loads.values():
        counts.update(load["counts"])
    return {
        "rate": counts["ok"] / options.duration,
        "counts": dict(counts),
        "load_cpu": sum(load["cpu"] for load in loads.values()),
        "server_cpu": server1 - server0,
        "backend_cpu": backends1 - backends0,
        "busy": busy1 - busy0,
    }


# -- the run -----------------------------------------------------------------------------------------------


def report(options: Any, database: str, phases: list[tuple[str, dict[str, Any]]]) -> None:
    cores = os.cpu_count() or 1
    rates = {kind: [r["rate"] for k, r in phases if k == kind] for kind in KINDS}
    mean = {kind: sum(values) / len(values) for kind, values in rates.items()}
    print()
    print(
        f"uidp OIDC benchmark: {options.clients} load clients (persons, each its own authorization) in"
        f" {options.client_procs} processes; workers={options.workers}; phases of {options.duration:g}s"
        f" (+{options.warmup:g}s warm-up); cores={cores}; {database}"
    )
    labels = {"me": "me (GraphQL)/s", "token": "token (refresh)/s", "userinfo": "userinfo/s"}
    for kind in KINDS:
        print(f"{labels[kind]:18} {mean[kind]:8.1f}  (phases: {', '.join(f'{r:.1f}' for r in rates[kind])})")
    for kind in ("token", "userinfo"):
        ratio = mean[kind] / mean["me"] if mean["me"] else float("nan")
        print(f"ratio {kind}/me: {ratio:.3f}")
    print(f"outcomes: {[(kind, r['counts']) for kind, r in phases]}")
    for kind in KINDS:
        chosen = [r for k, r in phases if k == kind]
        window = options.duration * cores * len(chosen)
        server = sum(r["server_cpu"] for r in chosen)
        load = sum(r["load_cpu"] for r in chosen)
        backend = sum(r["backend_cpu"] for r in chosen)
        busy = sum(r["busy"] for r in chosen)
        done = sum(r["counts"].get("ok", 0) for r in chosen)
        shares = cpu_shares(window, server, load, busy, backend, done)
        print(f"CPU in the {kind} phases (share of {cores} cores): {shares}")


def run_benchmark(options: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="uidp-bench-oidc-") as tmp:
        data_dir = Path(tmp, "data")
        data_dir.mkdir()
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with uidp_env(data_dir, 4, options.postgres, options.redis, UIDP_OIDC_ISSUER=base_url) as env:
            print(f"setting up in {tmp} on {backend_label(options.postgres, options.redis)}", flush=True)
            run_cli(env, "migrate", timeout=600)
            phones, rp = asyncio.run(seed(env, options.clients))
            database = "PostgreSQL" if options.postgres else "SQLite"
            log_path = Path(tmp, "server.log")
            server = start_uidp(env, port, options.workers, log_path)
            try:
                wait_answering(f"{base_url}/health", server)
                parties = [first_tokens(base_url, rp, phone) for phone in phones]
                print(f"  {len(parties)} load clients hold tokens", flush=True)
                phases = []
                for kind in KINDS * options.rounds:
                    if kind == "userinfo":  # a fresh access token each (unmeasured)
                        parties[:] = [refreshed(base_url, rp, party) for party in parties]
                    print(f"  phase {kind}", flush=True)
                    phases.append((kind, phase(base_url, rp, kind, parties, options, server.pid)))
            except BaseException:
                print(f"--- server log (tail)\n{log_path.read_text(errors='replace')[-4000:]}", file=sys.stderr)
                raise
            finally:
                stop_process(server)
        report(options, database, phases)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds of each phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each phase")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the three phases (me, token, userinfo)")
    parser.add_argument("--clients", type=int, default=8, help="load clients (keep-alive, one person each)")
    parser.add_argument("--client-procs", type=int, default=1, help="processes running the load clients")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--redis", default="", help="a Redis URL for the store (default: in-process)")
    run_benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    main()
