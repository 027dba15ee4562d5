"""A worker freezes its start-up heap: what lives as long as the worker is left out of every later collection."""

from __future__ import annotations

import gc

import pytest
import uvicorn

from uidp.http.drain import DrainingServer


async def _app(scope: dict[str, object], receive: object, send: object) -> None:  # never called: no request
    raise AssertionError("no request is sent")


@pytest.mark.anyio
async def test_a_started_worker_freezes_its_start_up_heap() -> None:
    gc.unfreeze()
    config = uvicorn.Config(app=_app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    config.load()
    server = DrainingServer(config)
    server.lifespan = config.lifespan_class(config)  # as uvicorn's Server._serve sets it before startup
    try:
        await server.startup()
        assert server.started
        assert gc.get_freeze_count() > 1000  # modules, the app, uvicorn: all alive until the worker exits
    finally:
        await server.shutdown()
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
