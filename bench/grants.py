"""Benchmark: the authorisation check through GraphQL against `me` on the same server, on 100k grants in
three-level chains; the query count of a page of grants; the cascade time of a root with 1,000 descendants.

Run: ``.venv/bin/python bench/grants.py [--entities 1000] [--chains 34] [--duration 8] [--clients 8]``

Steps (all on this machine, loopback only):

1. A temporary data dir and ``uidp migrate``; then, in this process, the seed written straight through the
   models (sealed PII, blind indexes, one bcrypt hash reused): ``--entities`` entities, each with
   ``--chains`` chains entity -> level 1 -> level 2 -> level 3 (three grants a chain; 1,000 x 34 x 3 =
   102,000 grants by default), every grantee a real-name level-2 person, every grant active now over the
   chain's scope.
2. The cascade: one more level-1 grant with 100 level-2 grants below it and 9 level-3 grants below each
   (1,000 descendants), cancelled through the grants area's cascade in this process; the time and the active
   descendants left (must be 0).
3. The page: ``PersonAccount.grantsHeld(first: N)`` of a person holding about 340 grants, with grantee,
   grantor and sub-grants, for N = 5 and 100 through the ASGI app in this process, counting SQL statements
   beyond those of `me` (the bound: at most 4 whatever the length, one per kind of row: the page, persons,
   entities, sub-grants; a page whose grants need no person or entity beyond the caller costs fewer).
4. ``uidp serve --workers W``; a level-3 agent logs in with ``loginAsAgent`` (its session rests on the deepest
   grant of a chain); the load generator (``--client-procs`` processes, separate from this one) sends
   `me` and `checkAuthorisation` with that token, in alternating phases of ``--duration`` seconds (me, check,
   me, check, ...: ``--pairs``), each phase's requests/s and the server's CPU counted over its window.
5. Prints check/s, me/s and their ratio (target >= 0.8), the server's CPU a request of each, queries per
   page, the cascade time, and the CPU shares of the server, the load generator and the rest of the
   machine, with the load generator's share against its bound (it must not be the bottleneck: below 50 %
   of the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from _measure import (
    RawHttp,
    backend_label,
    cpu_shares,
    free_port,
    machine_busy_seconds,
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
ME_QUERY = "{ me { __typename ... on EntityAccount { id } } }"
CHECK_QUERY = (
    "query($i: CheckAuthorisationInput!){ checkAuthorisation(input: $i){ __typename"
    " ... on Authorisation { allowed chain { grantId } } } }"
)

_spawn = multiprocessing.get_context("spawn")


# -- step 4: the load generator (separate processes) -----------------------------------------------------


def _ok(kind: str, status: int, body: bytes) -> bool:
    if status != 200:
        return False
    data = json.loads(body).get("data") or {}
    if kind == "me":
        return bool((data.get("me") or {}).get("id"))
    answer = data.get("checkAuthorisation") or {}
    return answer.get("allowed") is True and len(answer.get("chain") or []) == 3


async def _client(
    base_url: str, request: bytes, kind: str, start_at: float, window: tuple[float, float], counts: Counter[str]
) -> None:
    client = RawHttp(base_url)
    await client.connect()
    try:
        await sleep_until(start_at)
        window_start, window_end = window
        while time.monotonic() < window_end:
            status, body = await client.send(request)
            finished = time.monotonic()
            if window_start <= finished <= window_end:
                counts["ok" if _ok(kind, status, body) else f"bad {status}"] += 1
    finally:
        await client.close()


async def _phase(
    base_url: str, token: str, kind: str, variables: dict[str, Any], clients: int, times: tuple[float, float, float]
) -> dict[str, Any]:
    start_at, window_start, window_end = times
    body = {"query": ME_QUERY} if kind == "me" else {"query": CHECK_QUERY, "variables": {"i": variables}}
    probe = RawHttp(base_url)
    request = probe.request_bytes("/graphql", json.dumps(body).encode(), {"Authorization": f"Bearer {token}"})
    counts: Counter[str] = Counter()

    async def cpu() -> float:
        await sleep_until(window_start)
        before = self_cpu()
        await sleep_until(window_end)
        return self_cpu() - before

    sampler = asyncio.create_task(cpu())
    await asyncio.gather(
        *(_client(base_url, request, kind, start_at, (window_start, window_end), counts) for _ in range(clients))
    )
    return {"counts": dict(counts), "cpu": await sampler}


def _load_process(args: tuple[Any, ...], results: Any) -> None:
    try:
        results.put(asyncio.run(_phase(*args)))
    except BaseException as exc:
        results.put({"error": repr(exc)})
        raise


def phase(
    base_url: str, token: str, kind: str, variables: dict[str, Any], options: Any, server_pid: int
) -> dict[str, Any]:
    """One measured phase of one query: ``--clients`` keep-alive clients in ``--client-procs`` processes."""
    start_at = time.monotonic() + 2.0
    window_start = start_at + options.warmup
    window_end = window_start + options.duration
    results = _spawn.Queue()
    per_proc = max(1, options.clients // options.client_procs)
    procs = [
        _spawn.Process(
            target=_load_process,
            args=((base_url, token, kind, variables, per_proc, (start_at, window_start, window_end)), results),
        )
        for _ in range(options.client_procs)
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
    errors = [load["error"] for load in loads if "error" in load]
    if errors:
        raise RuntimeError(f"load generator failed: {errors}")
    counts: Counter[str] = Counter()
    for load in loads:
        counts.update(load["counts"])
    return {
        "rate": counts["ok"] / options.duration,
        "counts": dict(counts),
        "load_cpu": sum(load["cpu"] for load in loads),
        "server_cpu": server1 - server0,
        "busy": busy1 - busy0,
    }


# -- the run ---------------------------------------------------------------------------------------------


def proxy_login(base_url: str, seeded: dict[str, Any]) -> str:
    """The level-3 agent's proxy session (loginAsAgent through HTTP); a sanity check of both queries too."""
    query = (
        "mutation($i: LoginAsAgentInput!){ loginAsAgent(input: $i){ __typename ... on LoginSuccess { token }"
        " ... on Error { code message } } }"
    )
    form = {"creditCode": seeded["credit_code"], "identifier": seeded["agent_phone"], "password": PASSWORD}
    answer = httpx.post(f"{base_url}/graphql", json={"query": query, "variables": {"i": form}}, timeout=60).json()
    result = (answer.get("data") or {}).get("loginAsAgent") or {}
    if result.get("__typename") != "LoginSuccess":
        raise RuntimeError(f"loginAsAgent failed: {answer}")
    token = str(result["token"])
    headers = {"Authorization": f"Bearer {token}"}
    for kind, body in (
        ("me", {"query": ME_QUERY}),
        ("check", {"query": CHECK_QUERY, "variables": {"i": check_variables(seeded)}}),
    ):
        response = httpx.post(f"{base_url}/graphql", json=body, headers=headers, timeout=60)
        if not _ok(kind, response.status_code, response.content):
            raise RuntimeError(f"the {kind} query does not work: {response.text[:1000]}")
    return token


def check_variables(seeded: dict[str, Any]) -> dict[str, Any]:
    return {"creditCode": seeded["credit_code"], "serviceItem": seeded["service_item"]}


def report(options: Any, seeded: dict[str, Any], phases: list[tuple[str, dict[str, Any]]]) -> None:
    cores = os.cpu_count() or 1
    rates: dict[str, list[float]] = {"me": [], "check": []}
    for kind, result in phases:
        rates[kind].append(result["rate"])
    me = sum(rates["me"]) / len(rates["me"])
    check = sum(rates["check"]) / len(rates["check"])
    ratio = check / me if me else float("nan")
    # server CPU a request per kind over all its phases: less moved by the other work on the machine than
    # the rates, and what bounds them on a CPU-bound server
    cpu_ms = {
        kind: 1000
        * sum(r["server_cpu"] for k, r in phases if k == kind)
        / max(1, sum(r["counts"].get("ok", 0) for k, r in phases if k == kind))
        for kind in ("me", "check")
    }
    window = options.duration * cores * len(phases)
    server = sum(r["server_cpu"] for _, r in phases)
    load = sum(r["load_cpu"] for _, r in phases)
    busy = sum(r["busy"] for _, r in phases)
    print()
    print(
        f"uidp grants benchmark: grants={seeded['grants']} in {seeded['chains']} three-level chains of"
        f" {seeded['entities']} entities; workers={options.workers} clients={options.clients} in"
        f" {options.client_procs} processes; phases of {options.duration:g}s (+{options.warmup:g}s warm-up);"
        f" cores={cores}; database {seeded['database']}"
    )
    print(f"me/s:                 {me:8.1f}  (phases: {', '.join(f'{r:.1f}' for r in rates['me'])})")
    print(f"checkAuthorisation/s: {check:8.1f}  (phases: {', '.join(f'{r:.1f}' for r in rates['check'])})")
    print(f"ratio check/me: {ratio:.3f} (target >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
    print(
        f"server CPU a request: me {cpu_ms['me']:.2f} ms, check {cpu_ms['check']:.2f} ms (me/check"
        f" {cpu_ms['me'] / cpu_ms['check']:.3f}: the rate ratio of a server with the cores to itself)"
    )
    print(f"outcomes: {[(kind, r['counts']) for kind, r in phases]}")
    pages = seeded["page_queries"]
    flat = max(pages.values()) <= 4  # one query per kind of row (page, persons, entities, sub-grants), not per row
    print(
        f"SQL queries per page of grantsHeld (grantee, grantor, sub-grants): "
        f"{', '.join(f'{n} grants: {q}' for n, q in pages.items())} (target <= 4 whatever the page's length: "
        f"{'met' if flat else 'NOT met'})"
    )
    print(
        f"cascade: cancelling a root with {seeded['cascade_descendants']} descendants took"
        f" {seeded['cascade_seconds'] * 1000:.0f} ms; active descendants left {seeded['cascade_left']}"
        f" (target 0: {'met' if seeded['cascade_left'] == 0 else 'NOT met'})"
    )
    print(f"CPU over the windows (share of {cores} cores): {cpu_shares(window, server, load, busy)}")


def run_benchmark(options: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="uidp-bench-grants-") as tmp:
        data_dir = Path(tmp, "data")
        data_dir.mkdir()
        with uidp_env(data_dir, 4, options.postgres, options.redis) as env:
            print(f"setting up in {tmp} on {backend_label(options.postgres, options.redis)}", flush=True)
            run_cli(env, "migrate", timeout=600)
            started = time.monotonic()
            seeded = asyncio.run(seed_and_measure(env, options))
            print(f"  seeded {seeded['grants']} grants in {time.monotonic() - started:.0f} s", flush=True)
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            log_path = Path(tmp, "server.log")
            server = start_uidp(env, port, options.workers, log_path)
            try:
                wait_answering(f"{base_url}/health", server)
                token = proxy_login(base_url, seeded)
                phases = []
                for kind in ("me", "check") * options.pairs:
                    print(f"  phase {kind}", flush=True)
                    phases.append((kind, phase(base_url, token, kind, check_variables(seeded), options, server.pid)))
            except BaseException:
                print(f"--- server log (tail)\n{log_path.read_text(errors='replace')[-4000:]}", file=sys.stderr)
                raise
            finally:
                stop_process(server)
        report(options, seeded, phases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1000, help="entities, each with --chains chains")
    parser.add_argument("--chains", type=int, default=34, help="three-level chains per entity")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds of each phase")
    parser.add_argument("--pairs", type=int, default=3, help="me / check phase pairs, alternating")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--client-procs", type=int, default=1, help="processes running the clients")
    parser.add_argument("--persons", type=int, default=300, help="real-name persons the grantees are drawn from")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--redis", default="", help="a Redis URL for the store (default: in-process)")
    run_benchmark(parser.parse_args())


# -- steps 1-3: seed, cascade and the page count (this process) ------------------------------------------


def _resident_id(k: int) -> str:
    """A valid resident ID number for k = 0.. (birth dates from 1970-01-01, serials 100-999)."""
    from datetime import date, timedelta

    from uidp.domain.certificates import gb11643_check_char

    born = date(1970, 1, 1) + timedelta(days=k // 900)
    first17 = f"420102{born:%Y%m%d}{100 + k % 900:03d}"
    return first17 + gb11643_check_char(first17)


def _credit_code(k: int) -> str:
    from uidp.domain.credit_code import make_credit_code

    return make_credit_code("91", "420100", f"B{k:07d}")


async def seed_and_measure(env: dict[str, str], options: Any) -> dict[str, Any]:
    """Seed persons, entities and chains; measure the cascade and the page's query count."""
    import uuid
    from datetime import timedelta

    from tortoise import Tortoise

    from uidp.config import Settings
    from uidp.db import tortoise_config
    from uidp.domain.accounts import SubjectKind
    from uidp.models.entity import Entity, EntityType
    from uidp.models.grant import Grant
    from uidp.models.person import Person, PersonSource, PersonStatus
    from uidp.models.service_item import ServiceItem
    from uidp.runtime import Runtime
    from uidp.services.entities.entity_records import seal_entity_fields
    from uidp.services.persons.person_records import seal_person_fields
    from uidp.services.shared.credentials import Passwords
    from uidp.services.shared.pii import Pii

    settings = Settings.from_env(env)
    rt = Runtime.build(settings)
    await Tortoise.init(config=tortoise_config(settings))
    try:
        pii, now = Pii(rt), rt.clock.now()
        for code in ("SOCIAL", "TAX", "HOUSING"):
            await ServiceItem.create(
                id=uuid.uuid4(), code=code, name=code, delegable=True, created_at=now, updated_at=now
            )
        pool = options.persons
        persons = []
        for k in range(pool):
            person_id = uuid.uuid4()
            persons.append(
                Person(
                    id=person_id,
                    status=PersonStatus.ACTIVE,
                    source=PersonSource.REGISTERED,
                    level=2,
                    created_at=now,
                    updated_at=now,
                    activated_at=now,
                    **seal_person_fields(
                        pii,
                        person_id,
                        certificate_type="RESIDENT_ID",
                        certificate_number=_resident_id(k),
                        name="代理" + "甲乙丙丁戊己庚辛壬癸"[k % 10],
                        phone=f"137{k:08d}",
                    ),
                )
            )
        await Person.bulk_create(persons, batch_size=500)
        agent = persons[2]  # the level-3 grantee of every entity's first chain
        await Passwords(rt).store_hash(SubjectKind.PERSON, agent.id, await rt.hasher.hash(PASSWORD))
        entities = []
        for k in range(options.entities):
            entity_id = uuid.uuid4()
            entities.append(
                Entity(
                    id=entity_id,
                    entity_type=EntityType.ENTERPRISE,
                    representative_id=persons[(k + 7) % pool].id,
                    level=2,
                    created_at=now,
                    updated_at=now,
                    **seal_entity_fields(
                        pii,
                        entity_id,
                        credit_code=_credit_code(k),
                        name=f"湖北基准测试{k:05d}有限公司",
                        contact_name="王五",
                        contact_certificate_number=_resident_id(pool + k),
                        contact_phone=f"136{k:08d}",
                    ),
                )
            )
        await Entity.bulk_create(entities, batch_size=500)
        grants: list[Grant] = []
        ends = now + timedelta(days=365)

        def grant(entity_id: uuid.UUID, parent: Grant | None, grantee: uuid.UUID, scope: list[str]) -> Grant:
            grant_id = uuid.uuid4()
            row = Grant(
                id=grant_id,
                entity_id=entity_id,
                parent_id=parent.id if parent else None,
                root_id=parent.root_id if parent else grant_id,
                depth=parent.depth + 1 if parent else 1,
                grantor_id=parent.grantee_id if parent else entity_id,
                grantee_id=grantee,
                scope=scope,
                starts_at=now,
                ends_at=ends,
                may_grant_onward=parent is None or parent.depth < 2,
                created_at=now,
                updated_at=now,
            )
            grants.append(row)
            return row

        chains = 0
        for e, entity in enumerate(entities):
            for c in range(options.chains):
                base = (c * 3 + e) % (pool - 3) if (e, c) != (0, 0) else 0
                one = grant(entity.id, None, persons[base].id, ["HOUSING", "SOCIAL", "TAX"])
                two = grant(entity.id, one, persons[base + 1].id, ["SOCIAL", "TAX"])
                grant(entity.id, two, persons[base + 2].id, ["TAX"])
                chains += 1
        # the cascade's root: 100 level-2 grants below it, 9 level-3 grants below each (1,000 descendants)
        target = entities[-1]
        root = grant(target.id, None, persons[10].id, ["SOCIAL", "TAX"])
        for i in range(100):
            two = grant(target.id, root, persons[11 + i % 50].id, ["SOCIAL", "TAX"])
            for j in range(9):
                grant(target.id, two, persons[61 + (i + j) % 50].id, ["TAX"])
        await Grant.bulk_create(grants, batch_size=1000)
        cascade_seconds, left = await cascade(rt, root)
        pages = await page_queries(rt, settings, persons[5].id)
        return {
            "grants": len(grants),
            "chains": chains,
            "entities": len(entities),
            "credit_code": _credit_code(0),
            "agent_phone": agent_phone(agent, pii),
            "service_item": "TAX",
            "cascade_descendants": 1000,
            "cascade_seconds": cascade_seconds,
            "cascade_left": left,
            "page_queries": pages,
            "database": "PostgreSQL" if settings.resolved_database_url().startswith("postgres") else "SQLite",
        }
    finally:
        await Tortoise.close_connections()
        await rt.close()


def agent_phone(agent: Any, pii: Any) -> str:
    return str(pii.open("person.phone", agent.id, agent.phone_enc))


PAGE_QUERY = """query($first: Int!) { me { ... on PersonAccount { grantsHeld(first: $first) { edges { node { id
  grantee { maskedName } grantor { kind maskedName } subGrants { id } } } } } } }"""


async def page_queries(rt: Any, settings: Any, person_id: Any) -> dict[int, int]:
    """SQL statements of one `grantsHeld` page (grantee, grantor, sub-grants) beyond `me`, for 5 and 100 grants.

    Only statements of the requests count: the app's background tasks (started with its lifespan, before
    ``requesting`` is set, so their context keeps it False) may query at any moment; the requests' own tasks
    (DataLoader batches included) inherit it."""
    import contextvars
    import logging

    from tortoise import connections

    from uidp.app import create_app
    from uidp.domain.accounts import SubjectKind
    from uidp.services.auth.sessions import Sessions
    from uidp.services.shared.principal import ClientInfo

    token = (await Sessions(rt).issue(SubjectKind.PERSON, person_id, "password", ClientInfo("127.0.0.1"))).token
    client_class = type(connections.get("default"))
    counted: list[str] = []
    originals = {}
    requesting = contextvars.ContextVar("requesting", default=False)
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many"):
        originals[name] = getattr(client_class, name)

        def counting(self: Any, *args: Any, _original: Any = originals[name], **kwargs: Any) -> Any:
            if requesting.get():
                counted.append("q")
            return _original(self, *args, **kwargs)

        setattr(client_class, name, counting)
    app = create_app(settings)
    logging.getLogger("uidp.request").setLevel(logging.WARNING)  # no request log lines in the report
    headers = {"Authorization": f"Bearer {token}"}
    found: dict[int, int] = {}
    try:
        async with app.router.lifespan_context(app):
            requesting.set(True)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                me = {"query": "{ me { ... on PersonAccount { id } } }"}
                await http.post("/graphql", json=me, headers=headers)
                for first in (5, 100):
                    counted.clear()
                    await http.post("/graphql", json=me, headers=headers)
                    baseline = len(counted)
                    counted.clear()
                    body = {"query": PAGE_QUERY, "variables": {"first": first}}
                    answer = (await http.post("/graphql", json=body, headers=headers)).json()
                    edges = answer["data"]["me"]["grantsHeld"]["edges"]
                    if len(edges) != first:
                        raise RuntimeError(f"a page of {first} grants has {len(edges)}: {str(answer)[:300]}")
                    found[first] = len(counted) - baseline
    finally:
        for name, original in originals.items():
            setattr(client_class, name, original)
    return found


async def cascade(rt: Any, root: Any) -> tuple[float, int]:
    """Cancel ``root`` through the grants area's cascade (one transaction, then the announcements):
    (seconds, active descendants left)."""
    from uidp.domain.accounts import SubjectKind
    from uidp.domain.delegation import EndReason, GrantState
    from uidp.models.grant import Grant
    from uidp.services.delegation.cascade import Cascade

    started = time.perf_counter()
    await Cascade(rt).end([(root, EndReason.CANCELLED)], actor=(SubjectKind.ENTITY, root.entity_id))
    seconds = time.perf_counter() - started
    left = await Grant.filter(root_id=root.id, depth__gt=1, state=GrantState.ACTIVE).count()
    return seconds, left


if __name__ == "__main__":
    main()
