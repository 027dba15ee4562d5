"""Run the ASGI application under uvicorn, with one SO_REUSEPORT listener per worker process.

``uvicorn --workers N`` (0.54) has two problems this module avoids:

1. Its shared listener is created without ``IPPROTO_TCP``, so asyncio never sets ``TCP_NODELAY`` on the
   accepted sockets and every keep-alive request after the first waits ~44 ms for a delayed ACK
   (Kludex/uvicorn#3149).
2. All workers accept from one socket, so connections land unevenly (the busiest worker wins the race).

With ``workers > 1`` the parent binds one ``SO_REUSEPORT`` TCP listener per worker (created with
``IPPROTO_TCP``, so asyncio sets ``TCP_NODELAY`` on every accepted connection) and hands each to its own
``spawn`` process running a ``uvicorn.Server``. The kernel then balances new connections across the
listeners. The parent only supervises: it forwards SIGINT/SIGTERM, waits for the workers and exits
non-zero if one dies unexpectedly. There are no restarts.

Note: with ``SO_REUSEPORT`` another process of the same user could join the port; :func:`bind_reuseport`
therefore first checks that nothing is listening on the port yet, so a second ``uidp serve`` on a busy port
fails with "address already in use" instead of silently sharing the traffic.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
import time
from types import FrameType
from typing import Any

import uvicorn

from uidp.http.drain import DrainingServer
from uidp.observability.multiproc import forget_worker

__all__ = ["bind_reuseport", "serve"]

#: Listen backlog of each worker's socket (uvicorn's default).
BACKLOG = 2048

_spawn = multiprocessing.get_context("spawn")

#: graphql-transport-ws needs a WebSocket library (``websockets``; without one uvicorn answers 400). Messages
#: are small: 1 MiB is plenty, and no compression (nothing to gain, and no decompression to bound).
WEBSOCKETS: dict[str, Any] = {"ws": "websockets-sansio", "ws_max_size": 1024 * 1024, "ws_per_message_deflate": False}


#: httptools parses HTTP/1.1 in C (h11 was 18-20% of a worker's time under `me` load) and uvloop runs the event
#: loop; both are dependencies, so they are named rather than left to uvicorn's "auto" fallback to h11/asyncio.
SPEED: dict[str, Any] = {"http": "httptools", "loop": "uvloop"}


def serve(
    *,
    factory: str = "uidp.app:create_app",
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "info",
    drain_seconds: float = 0.0,
    shutdown_timeout: float | None = None,
    access_log: bool = False,
) -> None:
    """Serve the app built by ``factory`` ("module:callable") on ``host:port`` with ``workers`` processes.

    ``workers == 1`` runs uvicorn in this process. ``workers > 1`` runs one uvicorn server per spawned
    worker process, each on its own SO_REUSEPORT listener, and supervises them from this process. Port 0
    picks a free port (printed in the per-worker start lines). Raises ``SystemExit(1)`` when a worker
    exits unexpectedly or with a non-zero status.

    The access log is off unless asked for: one formatted line per request cost 2.5-3.5% of a worker under
    load (issue 13); the operations' JSON request log is where requests are recorded.
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    options: dict[str, Any] = {
        "app": factory,
        "factory": True,
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        **SPEED,
        # uvicorn would believe X-Forwarded-For from any loopback peer before the app runs; only
        # UIDP_TRUSTED_PROXIES decides who the client is (uidp.http.client.client_info).
        "proxy_headers": False,
        "timeout_graceful_shutdown": shutdown_timeout,
    }
    options.update(WEBSOCKETS)
    if workers == 1:
        DrainingServer(uvicorn.Config(**options), drain_seconds).run()
        return
    _serve_workers(options, workers, drain_seconds)


def bind_reuseport(host: str, port: int, count: int) -> list[socket.socket]:
    """Bind and listen on ``count`` TCP sockets sharing ``host:port`` through SO_REUSEPORT.

    The sockets are created with ``IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY`` on accepted
    connections. Port 0 picks a free port, shared by all sockets. Raises ``OSError`` when the address is
    already in use, including by another SO_REUSEPORT group of the same user.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Probe without SO_REUSEPORT: fails if anything (even a reuseport group) already listens there.
    with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(BACKLOG)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _address(sock: socket.socket) -> str:
    """Return ``http://host:port`` for a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if sock.family == socket.AF_INET6 else f"http://{host}:{port}"


def _serve_workers(options: dict[str, Any], workers: int, drain_seconds: float = 0.0) -> None:
    """Start ``workers`` spawned uvicorn servers, one listener each, and supervise them until they end."""
    # Each worker hashes passwords on its share of the cores; more threads would starve the event loops.
    os.environ.setdefault("UIDP_HASH_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
    try:
        sockets = bind_reuseport(options["host"], options["port"], workers)
    except OSError as exc:
        print(f"uidp serve: cannot bind {options['host']}:{options['port']}: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc

    procs: list[multiprocessing.process.BaseProcess] = []
    stopping = False

    def forward(signum: int, frame: FrameType | None) -> None:
        """First signal: ask every worker for a graceful stop; a repeated SIGINT forces them."""
        nonlocal stopping
        # SIGTERM first: a Ctrl-C already reached the workers through the process group, and a second
        # SIGINT would make uvicorn skip its graceful shutdown.
        sig = signal.SIGINT if stopping and signum == signal.SIGINT else signal.SIGTERM
        stopping = True
        _signal_all(procs, sig)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    failed = False
    try:
        for index, sock in enumerate(sockets):
            if stopping:
                break
            proc = _spawn.Process(
                target=_worker_main,
                args=(sock, options, os.getpid(), drain_seconds),
                name=f"uidp-worker-{index}",
            )
            proc.start()  # pickles (dups) the socket for the child
            procs.append(proc)
            print(f"uidp worker {index} pid={proc.pid} listening on {_address(sock)}", flush=True)
        for sock in sockets:
            sock.close()  # the workers hold their own descriptors now
        if stopping:  # a signal arrived while starting: make sure every started worker got it
            _signal_all(procs, signal.SIGTERM)

        remaining = {proc.sentinel: proc for proc in procs}
        while remaining:
            for sentinel in multiprocessing.connection.wait(list(remaining)):
                proc = remaining.pop(sentinel)
                proc.join()
                forget_worker(proc.pid)
                if not stopping:
                    print(
                        f"uidp serve: worker pid={proc.pid} exited unexpectedly "
                        f"(exit code {proc.exitcode}); stopping the others",
                        file=sys.stderr,
                        flush=True,
                    )
                    failed = stopping = True
                    _signal_all(procs, signal.SIGTERM)
                elif proc.exitcode not in (0, -signal.SIGTERM):  # -SIGTERM: stopped before its handlers
                    print(f"uidp serve: worker pid={proc.pid} exit code {proc.exitcode}", file=sys.stderr)
                    failed = True
    finally:
        for sock in sockets:
            sock.close()
        for proc in procs:
            if proc.is_alive():  # only on an exception in this loop
                proc.terminate()
                proc.join(10)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        raise SystemExit(1)


def _signal_all(procs: list[multiprocessing.process.BaseProcess], sig: int) -> None:
    """Send ``sig`` to every worker that is still running."""
    for proc in procs:
        if proc.pid is not None and proc.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, sig)


def _worker_main(sock: socket.socket, options: dict[str, Any], parent_pid: int, drain_seconds: float = 0.0) -> None:
    """Run one uvicorn server on ``sock`` (entry point of a spawned worker process)."""
    if sock.proto != socket.IPPROTO_TCP:  # keep TCP_NODELAY on accepted connections whatever the pickling
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    config = uvicorn.Config(**options)
    server = DrainingServer(config, drain_seconds)

    def stop(signum: int, frame: FrameType | None) -> None:
        """Outside ``server.serve`` (while loading, or uvicorn's re-raise afterwards): just stop."""
        server.should_exit = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    config.load()
    server.run(sockets=[sock])  # asyncio_run(server.serve(sockets=[sock]))


def _watch_parent(parent_pid: int) -> None:
    """Stop this worker gracefully if the supervising parent disappears (e.g. it was SIGKILLed)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
