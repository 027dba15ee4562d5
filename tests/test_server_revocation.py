"""Revocation across real workers (issue 13, item 1): `uidp serve --workers 2` on the test's database and store.

A session ended through one worker is refused by the other worker on its very next request. Each keep-alive
connection is served by one worker; the test finds which through /proc (the server side of the connection is a
socket held by exactly one worker process) and uses one connection on each worker.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import LOGIN, PASSWORD

pytestmark = pytest.mark.anyio
WORKER_LINE = re.compile(r"uidp worker (\d+) pid=(\d+) listening on http://127\.0\.0\.1:(\d+)")
ME = "{ me { __typename ... on PersonAccount { id } } }"
LOGOUT = "mutation { logout { __typename } }"
CHANGE_PASSWORD = """mutation($i: ChangePasswordInput!) { changePassword(input: $i) { __typename
  ... on PasswordChanged { sessionsEnded } ... on Error { code message field } } }"""


@dataclass
class TwoWorkers:
    port: int
    pids: list[int]


@pytest.fixture
def two_workers(rt, settings) -> Iterator[TwoWorkers]:
    """`uidp serve --workers 2 --port 0` on the test's database (SQLite file or PostgreSQL) and store."""
    env = {
        **os.environ,
        "UIDP_DATA_DIR": str(settings.data_dir),
        "UIDP_DATABASE_URL": settings.resolved_database_url(),
        "UIDP_STORE_URL": settings.store_url,
        "UIDP_STORE_PREFIX": settings.store_prefix,
        "UIDP_BCRYPT_ROUNDS": "4",
    }
    command = [sys.executable, "-m", "uidp.cli", "serve", "--no-migrate", "--workers", "2", "--port", "0"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    pids: list[int] = []
    port = 0
    output: list[str] = []
    try:
        while len(pids) < 2:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"uidp serve exited: {''.join(output)}")
            output.append(line)
            if match := WORKER_LINE.search(line):
                pids.append(int(match[2]))
                port = int(match[3])
        deadline = time.monotonic() + 30
        answered = 0
        while answered < 8:  # both workers up: several fresh connections answer
            with contextlib.suppress(httpx.TransportError):
                answered += httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
            if time.monotonic() > deadline:
                pytest.fail(f"uidp serve never answered: {''.join(output)}")
            time.sleep(0.05)
        yield TwoWorkers(port, pids)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def serving_worker(conn: http.client.HTTPConnection, port: int, pids: list[int]) -> int:
    """The pid of the worker holding the server side of this open connection."""
    assert conn.sock is not None
    client_port = conn.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if int(local, 16) == port and int(remote, 16) == client_port:
            inode = fields[9]
    assert inode is not None, "the server side of the connection is not in /proc/net/tcp"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
    raise AssertionError("no worker holds the connection")


def one_connection_per_worker(served: TwoWorkers) -> dict[int, http.client.HTTPConnection]:
    """Open keep-alive connections until each worker serves one (the kernel spreads them over the listeners)."""
    found: dict[int, http.client.HTTPConnection] = {}
    for _ in range(64):
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        gql(conn, "{ __typename }")
        pid = serving_worker(conn, served.port, served.pids)
        if pid in found:
            conn.close()
        else:
            found[pid] = conn
        if len(found) == 2:
            return found
    pytest.fail("64 connections all landed on one worker")


def gql(
    conn: http.client.HTTPConnection, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables or {}}), headers)
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, body
    return json.loads(body)


def login(conn: http.client.HTTPConnection, phone: str, password: str = PASSWORD) -> str:
    answer = gql(conn, LOGIN, {"i": {"identifier": phone, "password": password}})["data"]["loginWithPassword"]
    assert answer["__typename"] == "LoginSuccess", answer
    return str(answer["token"])


def me(conn: http.client.HTTPConnection, token: str) -> Any:
    return gql(conn, ME, token=token)["data"]["me"]


async def test_a_session_ended_on_one_worker_is_refused_by_the_other_on_its_next_request(two_workers, settings):
    from uidp.services.persons.seeding import seed_persons

    (phone,) = await seed_persons(settings, 1, PASSWORD)
    first, second = one_connection_per_worker(two_workers).values()
    try:
        # logout through the first worker; the token was in use on the second one
        token = login(first, phone)
        assert me(second, token)["__typename"] == "PersonAccount"
        assert me(first, token)["__typename"] == "PersonAccount"
        assert gql(first, LOGOUT, token=token)["data"]["logout"] == {"__typename": "LoggedOut"}
        assert me(second, token) is None

        # a password change through the second worker ends the other sessions, on the first worker too
        kept, other = login(second, phone), login(first, phone)
        assert me(first, other)["__typename"] == "PersonAccount"
        form = {"currentPassword": PASSWORD, "newPassword": "Wuhan@2027new", "newPasswordConfirmation": "Wuhan@2027new"}
        changed = gql(second, CHANGE_PASSWORD, {"i": form}, token=kept)["data"]["changePassword"]
        assert changed == {"__typename": "PasswordChanged", "sessionsEnded": 1}, changed
        assert me(first, other) is None
        assert me(first, kept)["__typename"] == "PersonAccount"  # the session that changed it stays
    finally:
        first.close()
        second.close()
