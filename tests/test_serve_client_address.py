"""Issue 7, 2.2: a real `uidp serve` decides the client address with UIDP_TRUSTED_PROXIES alone.

uvicorn's own proxy-header handling would believe X-Forwarded-For from any loopback peer before the app
runs, so a same-host caller could pick any address for every per-address limit and the audit trail.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
LOGIN = """mutation { loginWithPassword(input: {identifier: "13900000000", password: "Wrong#2026pw"}) {
  __typename ... on LoginFailed { code } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data_dir: Path, port: int, trusted: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UIDP_")}
    env |= {
        "UIDP_DATA_DIR": str(data_dir),
        "UIDP_BCRYPT_ROUNDS": "4",
        "UIDP_TRUSTED_PROXIES": trusted,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    }
    code = f"from uidp.cli import main; main(['serve', '--port', '{port}'])"
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@contextlib.contextmanager
def running(data_dir: Path, trusted: str = "") -> Iterator[str]:
    port = _free_port()
    proc = _serve(data_dir, port, trusted)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"uidp serve did not answer: {proc.stderr.read() if proc.stderr else b''!r}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _login_addresses(data_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(data_dir / "uidp.sqlite3")) as db:
        rows = db.execute("SELECT client_address FROM audit_event WHERE event_type = 'login.failed'").fetchall()
    return [row[0] for row in rows]


def _spoofed_login(base: str) -> None:
    response = httpx.post(
        base + "/graphql", json={"query": LOGIN}, headers={"x-forwarded-for": "198.51.100.23"}, timeout=10
    )
    assert response.json()["data"]["loginWithPassword"]["code"] == "INVALID_CREDENTIALS"


def test_spoofed_forwarded_for_from_loopback_is_not_believed(tmp_path):
    with running(tmp_path / "data") as base:
        _spoofed_login(base)
    assert _login_addresses(tmp_path / "data") == ["127.0.0.*"]


def test_a_trusted_proxy_is_believed(tmp_path):
    with running(tmp_path / "data", trusted="127.0.0.1") as base:
        _spoofed_login(base)
    assert _login_addresses(tmp_path / "data") == ["198.51.100.*"]
