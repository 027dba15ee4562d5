"""`uidp serve` (issue 13, item 3): no access log line per request unless --access-log asks for it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_output(settings, *flags: str) -> str:
    """Start `uidp serve`, answer two requests, stop it; return everything it printed."""
    port = free_port()
    env = {
        **os.environ,
        "UIDP_DATA_DIR": str(settings.data_dir),
        "UIDP_DATABASE_URL": settings.resolved_database_url(),
        "UIDP_STORE_URL": settings.store_url,
        "UIDP_STORE_PREFIX": settings.store_prefix,
    }
    command = [sys.executable, "-m", "uidp.cli", "serve", "--no-migrate", "--port", str(port), *flags]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"uidp serve never answered: {proc.communicate()[0]}")
            time.sleep(0.1)
        response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output = proc.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0]
    return output


def test_no_access_log_by_default_and_one_line_per_request_with_the_flag(rt, settings):
    quiet = served_output(settings)
    assert "Application startup complete" in quiet  # the server's own lines are still there
    assert '"POST /graphql HTTP/1.1" 200' not in quiet and '"GET /health HTTP/1.1"' not in quiet, quiet
    logged = served_output(settings, "--access-log")
    assert '"POST /graphql HTTP/1.1" 200' in logged, logged
