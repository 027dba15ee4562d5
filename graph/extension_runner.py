"""A cheaper driver for the schema extensions' operation, parse, validate and execute hooks.

Strawberry's runner, on every request and for every extension and phase, looks the hook up, asks ``inspect``
whether it is a generator function, wraps it in ``contextlib.contextmanager`` (``functools.wraps`` each time)
and enters it through an ``AsyncExitStack``: about a tenth of a `me` request's CPU. Here which hooks a class
implements, and whether they are plain generator functions, is worked out once per class; a phase then just
starts each hook's generator, and on leaving resumes them in reverse order, throwing an exception into them
the way ``contextlib`` does (a hook that swallows it ends it, one that raises another replaces it). A phase in
which any hook is not a plain generator function (an async generator, a plain callable) is left to
Strawberry's own context manager, as are streamed results.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from functools import cache
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

_STOCK = object()  # the class's hook needs Strawberry's own handling


@cache
def _hook(cls: type[SchemaExtension], name: str) -> Any:
    """The class's generator function for this phase, None when it keeps the default, or _STOCK."""
    function = getattr(cls, name)
    if function is getattr(SchemaExtension, name):
        return None
    return function if inspect.isgeneratorfunction(function) else _STOCK


class _Phase:
    """One phase's hooks as one (async and sync) context manager."""

    __slots__ = ("_hooks", "_running")

    def __init__(self, hooks: list[Any], extensions: list[SchemaExtension]) -> None:
        self._hooks = list(zip(hooks, extensions, strict=True))
        self._running: list[Generator[None, None, None]] = []

    def __enter__(self) -> None:
        for function, extension in self._hooks:
            generator = function(extension)
            try:
                next(generator)
            except StopIteration:
                raise RuntimeError(f"{type(extension).__name__} hook did not yield") from None
            except BaseException:
                for started in reversed(self._running):
                    started.close()
                raise
            self._running.append(generator)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        pending = exc
        for generator in reversed(self._running):
            try:
                if pending is None:
                    next(generator)
                else:
                    generator.throw(pending)
            except StopIteration:
                pending = None  # it ended: normally, or by swallowing the exception thrown into it
                continue
            except BaseException as raised:
                pending = raised
                continue
            generator.close()
            raise RuntimeError("a schema extension hook yielded twice")
        if pending is not None and pending is not exc:
            raise pending
        return exc is not None and pending is None

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        return self.__exit__(exc_type, exc, tb)


class FastExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner with :class:`_Phase` for the four per-request phases."""

    def _phase(self, name: str, stock: type[ExtensionContextManagerBase]) -> Any:
        hooks, extensions = [], []
        for extension in self.extensions:
            found = _hook(type(extension), name)
            if found is _STOCK:
                return stock(self.extensions)
            if found is not None:
                hooks.append(found)
                extensions.append(extension)
        return _Phase(hooks, extensions)

    def operation(self) -> Any:
        return self._phase("on_operation", OperationContextManager)

    def validation(self) -> Any:
        return self._phase("on_validate", ValidationContextManager)

    def parsing(self) -> Any:
        return self._phase("on_parse", ParsingContextManager)

    def executing(self) -> Any:
        return self._phase("on_execute", ExecutingContextManager)
