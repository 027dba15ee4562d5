"""graph.execution: an operation's executor lets go of itself when its result is final, so nothing a request
touched waits for the garbage collector (graphql-core's executor holds its own bound methods)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from graphql.execution.executor import Executor

from graph.context import Context
from graph.execution import ReleasingExecutionContext

pytestmark = pytest.mark.anyio


async def cyclic_garbage(operation: Any) -> list[Any]:
    """The objects that only the collector would have freed, left by running ``operation``."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        await operation()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_a_request_leaves_no_executor_or_context_in_a_cycle(api):
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered", result
    token = (await api.login("15012340058"))["token"]

    async def requests() -> None:
        await api.data("{ me { __typename ... on PersonAccount { id maskedName } } }", token=token)
        await api.gql("{ me { __typename ... on PersonAccount { nonsense } } }", token=token)  # a refused document
        await api.data("mutation { requestCaptcha { id } }")
        await api.data("{ registrationRules { homeProvince } }")

    left = await cyclic_garbage(requests)
    assert [type(o).__name__ for o in left if isinstance(o, Executor | Context)] == []


async def test_without_the_release_an_executor_is_left_in_a_cycle(api, monkeypatch):
    monkeypatch.setattr(ReleasingExecutionContext, "_release", lambda self, result: result)

    async def request() -> None:
        await api.data("{ registrationRules { homeProvince } }")

    left = await cyclic_garbage(request)
    assert any(isinstance(o, Executor) for o in left)  # what the release prevents
