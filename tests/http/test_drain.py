"""SIGTERM against a real `uidp serve`: the request in flight gets its answer, readiness says draining."""

from __future__ import annotations

import json
import signal
import socket
import time

import httpx
import pytest

from tests.observability.scrape import TOKEN, sample
from tests.serving import serving

QUERY = json.dumps({"query": "query InFlight { loginMethods { id } }"}).encode()

pytestmark = pytest.mark.slow


def _split_request(base: str) -> tuple[socket.socket, bytes]:
    """A POST whose headers and first half of the body are sent; the other half is returned to send later."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(QUERY)}\r\n\r\n"
    ).encode()
    half = len(QUERY) // 2
    sock.sendall(head + QUERY[:half])
    return sock, QUERY[half:]


def _wait_in_flight(base: str, count: int) -> None:
    """Until the workers report ``count`` requests in flight (the scrape asking is one of them)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        scraped = httpx.get(base + "/metrics", headers={"authorization": f"Bearer {TOKEN}"}, timeout=10)
        if sample(scraped.text, "uidp_http_requests_in_flight") >= count:
            return
        time.sleep(0.05)
    pytest.fail("the request never reached a worker")


def _wait_listener_closed(base: str) -> None:
    """Until a new connection is refused: every worker has stopped accepting (uvicorn's graceful shutdown)."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=2).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.05)
    pytest.fail("the workers kept accepting after SIGTERM")


def _wait_status(base: str, path: str, status: int) -> httpx.Response:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        response = httpx.get(base + path, timeout=5)
        if response.status_code == status:
            return response
        time.sleep(0.05)
    pytest.fail(f"{path} never answered {status}")


def _read_response(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split(b" ")[1]), json.loads(body)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_request_in_flight_at_sigterm_gets_its_answer(tmp_path, workers):
    with serving(tmp_path / "data", "--workers", workers, env={"UIDP_METRICS_TOKEN": TOKEN}) as served:
        sock, rest = _split_request(served.base)
        _wait_in_flight(served.base, 2)  # a worker runs the app for it, waiting for the rest of the body
        served.proc.send_signal(signal.SIGTERM)
        _wait_listener_closed(served.base)  # the shutdown has begun; the worker still waits for this request
        sock.sendall(rest)
        status, body = _read_response(sock)
        sock.close()
        assert status == 200 and {"id": "password"} in body["data"]["loginMethods"], body
        assert served.proc.wait(20) in (0, -signal.SIGTERM), served.output()[-2000:]
        with pytest.raises(httpx.TransportError):
            httpx.get(served.base + "/health/live", timeout=2)


def test_readiness_answers_503_while_draining(tmp_path):
    with serving(tmp_path / "data", env={"UIDP_DRAIN_SECONDS": "5"}) as served:
        assert httpx.get(served.base + "/health/ready", timeout=5).json()["status"] == "ok"
        served.proc.send_signal(signal.SIGTERM)
        ready = _wait_status(served.base, "/health/ready", 503)
        assert ready.json()["status"] == "draining", ready.text
        assert ready.json()["worker"] == "draining"
        assert httpx.get(served.base + "/health/live", timeout=5).status_code == 200
        answer = httpx.post(served.base + "/graphql", json={"query": "{ loginMethods { id } }"}, timeout=5)
        assert answer.status_code == 200  # still served while the balancer notices
        assert served.proc.wait(20) in (0, -signal.SIGTERM), served.output()[-2000:]
