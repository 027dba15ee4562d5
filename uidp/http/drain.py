"""SIGTERM drains a worker: readiness turns 503 first, then uvicorn stops accepting and in-flight requests finish.

A load balancer that polls ``/health/ready`` stops sending new requests during ``UIDP_DRAIN_SECONDS``; after
that uvicorn closes its listener, lets every request already received finish (at most
``UIDP_SHUTDOWN_TIMEOUT_SECONDS``) and runs the lifespan shutdown.
"""

from __future__ import annotations

import gc
import signal
import socket
import threading
import time
from types import FrameType

import uvicorn

_DRAINING = threading.Event()


def draining() -> bool:
    """True once this process received SIGTERM (readiness answers 503 from then on)."""
    return _DRAINING.is_set()


class DrainingServer(uvicorn.Server):
    """uvicorn's server with a drain period between the first SIGTERM and the graceful shutdown."""

    def __init__(self, config: uvicorn.Config, drain_seconds: float = 0.0) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self._stop_at: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        _DRAINING.set()
        if sig == signal.SIGTERM and self.drain_seconds > 0 and self._stop_at is None and not self.should_exit:
            self._captured_signals.append(sig)  # uvicorn re-raises it after the shutdown, as for its own exit
            self._stop_at = time.monotonic() + self.drain_seconds
            return
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            # Everything alive now (modules, the schema, models, plugins) lives as long as the worker: frozen,
            # the collector stops walking it on every full collection, which under load cost the p99.
            gc.collect()
            gc.freeze()

    async def on_tick(self, counter: int) -> bool:
        if self._stop_at is not None and time.monotonic() >= self._stop_at:
            self.should_exit = True
        return await super().on_tick(counter)
