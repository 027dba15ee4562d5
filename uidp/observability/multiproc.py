"""Metrics across several worker processes (prometheus-client's multi-process mode) and the scrape listener.

``uidp serve --workers N`` calls :func:`prepare_metrics_dir` before any worker starts: each worker then keeps
its values in files under ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any worker, or of ``UIDP_METRICS_BIND``
(served by the supervising process), sums them. The folder is emptied at each start, as the library requires.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from uidp.observability.metrics import MULTIPROC_ENV


def prepare_metrics_dir(workers: int) -> Path | None:
    """Turn multi-process mode on for ``workers > 1`` (the operator's folder, or a new temporary one), emptied.

    Must run before the workers start, so that they inherit the variable. One worker without the variable
    keeps its metrics in memory.
    """
    configured = os.environ.get(MULTIPROC_ENV)
    if workers < 2 and not configured:
        return None
    folder = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="uidp-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def forget_worker(pid: int | None) -> None:
    """A worker ended: its live gauges (the hash queue) stop counting; its counters stay in the sums."""
    if pid is not None and os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def serve_metrics(address: tuple[str, int]) -> None:
    """Answer scrapes on ``address`` from a thread of this process (no token: keep the address internal)."""
    from prometheus_client import start_http_server

    from uidp.observability.metrics import scrape_registry

    host, port = address
    start_http_server(port, addr=host, registry=scrape_registry())
