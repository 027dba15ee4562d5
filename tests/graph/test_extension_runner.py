"""graph.extension_runner against Strawberry's own runner: the same hooks run in the same order, see the same
exceptions and give the same answers, for hooks that finish, raise before or after their yield, or swallow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from graph.extension_runner import FastExtensionsRunner

pytestmark = pytest.mark.anyio


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


def recorder(name: str, trace: list[str], behaviour: dict[str, str]) -> type[SchemaExtension]:
    """An extension whose hooks note what happens to them; ``behaviour`` says which phase misbehaves how."""

    def hook(phase: str) -> Any:
        def run(self: SchemaExtension) -> Iterator[None]:
            trace.append(f"{name}.{phase} in")
            if behaviour.get(phase) == "raise before":
                raise ValueError(f"{name} {phase} before")
            try:
                yield
            except ValueError as error:
                trace.append(f"{name}.{phase} saw {error}")
                if behaviour.get(phase) == "swallow":
                    return
                raise
            trace.append(f"{name}.{phase} out")
            if behaviour.get(phase) == "raise after":
                raise ValueError(f"{name} {phase} after")

        return run

    return type(name, (SchemaExtension,), {f"on_{p}": hook(p) for p in ("operation", "parse", "validate", "execute")})


class FastSchema(strawberry.Schema):
    def create_extensions_runner(self, execution_context: Any, extensions: list[SchemaExtension]) -> Any:
        return FastExtensionsRunner(execution_context=execution_context, extensions=extensions)


CASES = [
    {},
    {"B": {"execute": "raise after"}},
    {"B": {"validate": "raise before"}},
    {"A": {"operation": "swallow"}, "B": {"operation": "raise after"}},
    {"A": {"execute": "swallow"}, "B": {"execute": "raise before"}},
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: str(case) or "plain")
async def test_the_fast_runner_does_what_strawberrys_does(case):
    seen = []
    for schema_class in (strawberry.Schema, FastSchema):
        trace: list[str] = []
        extensions = [recorder(name, trace, case.get(name, {})) for name in ("A", "B")]
        schema = schema_class(query=Query, extensions=extensions)
        try:
            result = await schema.execute("{ hello }")
            answer: Any = (result.data, [str(error) for error in result.errors or []])
        except ValueError as error:
            answer = f"raised {error}"
        seen.append((trace, answer))
    assert seen[1] == seen[0]
    assert seen[0][0][0] == "A.operation in"


def test_an_async_hook_is_left_to_strawberry():
    class Async(SchemaExtension):
        async def on_execute(self) -> Any:  # an async generator: Strawberry's own manager drives it
            yield

    runner = FastExtensionsRunner(execution_context=None, extensions=[Async()])  # type: ignore[arg-type]
    assert type(runner.executing()).__module__ == "strawberry.extensions.context"
    assert type(runner.operation()).__module__ == "graph.extension_runner"
