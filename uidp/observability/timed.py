"""Verifier calls timed and counted by kind, call and outcome, whatever plugin implements the verifier."""

from __future__ import annotations

import functools
import inspect
import time
from typing import Any

from uidp.observability.metrics import VERIFIER_CALLS


class TimedVerifier:
    """Wraps a verifier: its coroutine methods are observed in ``uidp_verifier_call_duration_seconds``.

    Everything else (``id``, ``sandbox``, plain methods) is the wrapped verifier's own; ``inner`` is the wrapped
    object itself. An exception is the ``error`` outcome and propagates unchanged.
    """

    def __init__(self, kind: str, inner: object) -> None:
        self.kind = kind
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(value):
            return value

        @functools.wraps(value)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            outcome = "error"
            try:
                result = await value(*args, **kwargs)
                outcome = "ok"
                return result
            finally:
                VERIFIER_CALLS.labels(kind=self.kind, call=name, outcome=outcome).observe(time.perf_counter() - started)

        return timed
