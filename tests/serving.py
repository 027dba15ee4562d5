"""A real ``uidp serve`` in a subprocess for the tests that need processes, signals or several workers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path  # the server's stderr

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


STARTED = "Application startup complete."  # uvicorn's line once a worker's lifespan has started


@contextlib.contextmanager
def serving(data_dir: Path, *args: str, env: dict[str, str] | None = None, ready: str = "/health") -> Iterator[Served]:
    """``uidp serve --port P *args`` on a SQLite data folder until the block ends (SIGTERM, then kill).

    It yields once every worker (``--workers N``) has started, not only the first: a connection the kernel
    queues for a worker that is still loading would otherwise wait, or be reset if the worker is stopped.
    """
    workers = int(args[args.index("--workers") + 1]) if "--workers" in args else 1
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UIDP_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    clean |= {
        "UIDP_DATA_DIR": str(data_dir),
        "UIDP_BCRYPT_ROUNDS": "4",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH")) if p),
        "UIDP_LOG_LEVEL": "info",  # uvicorn's startup lines tell when each worker is up
        **(env or {}),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "serve-stderr.log"
    code = f"from uidp.cli import main; main(['serve', '--port', '{port}', *{list(args)!r}])"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-c", code], env=clean, stdout=sink, stderr=subprocess.STDOUT)
    served = Served(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (
                    served.output().count(STARTED) >= workers
                    and httpx.get(served.base + ready, timeout=1).status_code == 200
                ):
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"uidp serve did not answer: {served.output()[-3000:]}")
            time.sleep(0.1)
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
