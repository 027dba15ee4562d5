"""Multi-worker serving: one SO_REUSEPORT listener per worker, TCP_NODELAY, balancing, supervision."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from uidp.http.server import bind_reuseport

TESTS_DIR = Path(__file__).resolve().parent
WORKER_LINE = re.compile(r"uidp worker (\d+) pid=(\d+) listening on (http://\S+)")


@dataclass
class ServerProcess:
    """A ``serve(..., workers=N)`` subprocess and what it printed."""

    proc: subprocess.Popen[str]
    lines: queue.Queue[str]
    output: list[str] = field(default_factory=list)
    worker_pids: list[int] = field(default_factory=list)
    base_url: str = ""

    def next_line(self, deadline: float) -> str:
        """Return the next output line, failing when the deadline passes or the process ends."""
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"server said nothing in time; output so far: {self.output!r}")
            if line == "":
                pytest.fail(f"server exited early ({self.proc.poll()}); output: {self.output!r}")
            self.output.append(line)
            return line

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM the supervisor and wait for it; kill it (and fail) if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            for pid in self.worker_pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pytest.fail(f"server did not stop within {timeout} s; output: {self.output!r}")


def start_server(workers: int = 2) -> ServerProcess:
    """Start ``serve(factory="_server_app:create_app", port=0, workers=...)`` and wait until it answers."""
    env = dict(os.environ)
    paths = (str(TESTS_DIR), str(TESTS_DIR.parent), env.get("PYTHONPATH"))  # uidp need not be installed
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    code = (
        "from uidp.http.server import serve; "
        f"serve(factory='_server_app:create_app', port=0, workers={workers}, log_level='warning')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put("")  # end of output

    threading.Thread(target=pump, daemon=True).start()
    server = ServerProcess(proc, lines)
    deadline = time.monotonic() + 30
    try:
        while len(server.worker_pids) < workers:
            match = WORKER_LINE.search(server.next_line(deadline))
            if match:
                server.worker_pids.append(int(match[2]))
                server.base_url = match[3]
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(server.base_url, timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"server never answered; output: {server.output!r}")
            time.sleep(0.05)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    """A two-worker server shared by the behaviour tests of this module."""
    server = start_server(workers=2)
    yield server
    server.stop()


def test_bind_reuseport_makes_tcp_sockets_sharing_one_port() -> None:
    sockets = bind_reuseport("127.0.0.1", 0, 2)
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(ports) == 1
        for sock in sockets:
            assert sock.proto == socket.IPPROTO_TCP
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        # A busy port is refused, even though the group itself uses SO_REUSEPORT.
        with pytest.raises(OSError):
            bind_reuseport("127.0.0.1", ports.pop(), 1)
    finally:
        for sock in sockets:
            sock.close()


def test_accepted_connections_get_tcp_nodelay() -> None:
    async def scenario() -> int:
        (sock,) = bind_reuseport("127.0.0.1", 0, 1)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted = writer.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            value = await asyncio.wait_for(seen, 5)
            writer.close()
        return value

    assert asyncio.run(scenario()) != 0


def test_connections_reach_both_workers(server: ServerProcess) -> None:
    answered = set()
    for _ in range(20):
        with httpx.Client(timeout=5) as client:  # a new TCP connection each time
            answered.add(int(client.get(server.base_url).text))
    assert answered == set(server.worker_pids)


def test_keep_alive_requests_do_not_stall_on_delayed_acks(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=5) as client:
        client.get("/")  # connect
        started = time.perf_counter()
        for _ in range(50):
            assert client.get("/").status_code == 200
        elapsed = time.perf_counter() - started
    # Without TCP_NODELAY each request after the first waits ~44 ms (50 x 44 ms = 2.2 s).
    assert elapsed < 1.5, f"50 keep-alive requests took {elapsed:.3f} s"


def test_sigterm_stops_workers_and_exits_zero() -> None:
    server = start_server(workers=2)
    assert server.stop() == 0
    for pid in server.worker_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_worker_death_stops_the_rest_and_exits_non_zero() -> None:
    server = start_server(workers=2)
    victim, survivor = server.worker_pids
    os.kill(victim, signal.SIGKILL)
    try:
        code = server.proc.wait(20)
    finally:
        server.stop()
    assert code != 0
    with pytest.raises(ProcessLookupError):
        os.kill(survivor, 0)
