"""graph.direct_arguments: which resolver fields are called directly with prepared argument converters, and that
every answer is the one Strawberry's own path gives (the schema's own fields are checked through HTTP by every
other test)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from strawberry.extensions import FieldExtension
from strawberry.relay import GlobalID
from strawberry.types import Info

from graph.direct_arguments import call_resolvers_directly
from graph.direct_fields import DEFINITION, call_plain_resolvers


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Leaf:
    code: str
    note: str | None = None  # a default: not set to None first, graphql-core leaves it out when not given
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class Tree:
    name: str
    colour: Colour = Colour.RED
    when: datetime | None
    leaves: list[Leaf] | None = None
    child: Tree | None = None
    maybe_leaf: strawberry.Maybe[str]  # Strawberry's own conversion: the field keeps Strawberry's path


@strawberry.input
class Plain:
    name: str
    child: Plain | None = None
    leaves: list[Leaf | None] | None = None
    numbers: list[int | None] | None = None


class Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


def describe(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(describe(v) for v in value) + "]"
    if hasattr(value, "__dataclass_fields__"):
        fields = ",".join(f"{k}={describe(getattr(value, k))}" for k in value.__dataclass_fields__)
        return f"{type(value).__name__}({fields})"
    return f"{type(value).__name__}:{value!r}"


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, plain: Plain, times: int = 1) -> str:
        return describe(plain) * times

    @strawberry.field
    def scalars(self, a: str, b: int | None = None, c: list[str] | None = None, d: Colour | None = None) -> str:
        return describe([a, b, c, d])

    @strawberry.field
    async def later(self, info: Info, name: str) -> str:
        return f"{info.field_name}:{name}:{info.path.key}"

    @strawberry.field
    def rooted(self, root: Any, info: Info, n: int) -> str:
        return f"{root is None}:{n}:{type(info).__name__}"

    @strawberry.field
    @staticmethod
    def fixed(n: int) -> int:
        return n * 2

    @strawberry.field
    def tree(self, tree: Tree) -> str:
        return describe(tree.name)

    @strawberry.field
    def node(self, id: GlobalID) -> str:
        return f"{id.type_name}:{id.node_id}"

    @strawberry.field(extensions=[Upper()])
    def shouted(self, word: str) -> str:
        return word

    @strawberry.field
    def fails(self, n: int) -> int:
        raise ValueError(f"no {n}")


DOCUMENT = """query($p: Plain!, $w: DateTime) {
  echo(plain: $p, times: 2)
  plainDefault: echo(plain: {name: "x"})
  scalars(a: "a", c: ["u", "v"], d: BLUE)
  scalarsNull: scalars(a: "a", b: null, c: null, d: null)
  later(name: "n")
  rooted(n: 3)
  fixed(n: 4)
  tree(tree: {name: "t", when: $w, leaves: [{code: "c"}], child: {name: "k", when: null}})
  node(id: "VGhpbmc6MQ==")
  shouted(word: "hi")
}"""
VARIABLES = {
    "p": {
        "name": "p",
        "child": {"name": "q", "leaves": [None, {"code": "c", "note": "n", "tags": ["a", "b"]}]},
        "numbers": [1, None, 3],
    },
    "w": datetime(2026, 12, 4, tzinfo=UTC).isoformat(),
}


def resolvers(schema: strawberry.Schema) -> dict[str, Any]:
    return {name: field.resolve for name, field in schema._schema.query_type.fields.items()}


def direct_schema() -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)
    call_plain_resolvers(schema._schema)
    call_resolvers_directly(schema)
    return schema


def test_which_fields_are_called_directly():
    stock = strawberry.Schema(query=Query)
    before = resolvers(stock)
    changed = call_resolvers_directly(stock)
    after = resolvers(stock)
    direct = {name for name in after if after[name] is not before[name]}
    assert direct == {"echo", "scalars", "later", "rooted", "fixed", "fails"}
    assert changed == len(direct)
    # kept: a Maybe inside the input, a GlobalID argument, a field extension
    assert {"tree", "node", "shouted"} <= set(after) - direct
    for name in direct:
        assert stock._schema.query_type.fields[name].extensions.get(DEFINITION) is not None


@pytest.mark.anyio
async def test_a_direct_resolver_answers_as_strawberry_does():
    stock = await strawberry.Schema(query=Query).execute(DOCUMENT, variable_values=VARIABLES)
    direct = await direct_schema().execute(DOCUMENT, variable_values=VARIABLES)
    assert stock.errors is None
    assert direct.errors is None and direct.data == stock.data
    assert direct.data is not None
    assert direct.data["echo"].startswith("Plain(name=str:'p',child=Plain(name=str:'q',child=NoneType:None,leaves=[")
    assert "Leaf(code=str:'c',note=str:'n',tags=[str:'a',str:'b'])" in direct.data["echo"]
    assert "numbers=[int:1,NoneType:None,int:3]" in direct.data["echo"]
    assert direct.data["scalars"] == "[str:'a',NoneType:None,[str:'u',str:'v'],Colour:<Colour.BLUE: 'blue'>]"
    assert direct.data["later"] == "later:n:later"
    assert direct.data["rooted"] == "True:3:Info"
    assert direct.data["fixed"] == 8


@pytest.mark.anyio
async def test_a_direct_resolvers_error_is_strawberrys_error():
    document = "{ fails(n: 7) }"
    stock = await strawberry.Schema(query=Query).execute(document)
    direct = await direct_schema().execute(document)
    assert stock.errors and direct.errors
    assert [e.message for e in direct.errors] == [e.message for e in stock.errors] == ["no 7"]
    assert [e.path for e in direct.errors] == [e.path for e in stock.errors] == [["fails"]]


@pytest.mark.anyio
async def test_a_default_list_is_never_shared_between_requests():
    @strawberry.type
    class Lists:
        @strawberry.field
        def grow(self, items: list[str] = ["a"]) -> int:  # noqa: B006 (the schema's default, as graphql-core gives it)
            items.append("b")
            return len(items)

    schema = strawberry.Schema(query=Lists)
    assert call_resolvers_directly(schema) == 1
    first = await schema.execute("{ grow }")
    second = await schema.execute("{ grow }")
    assert first.data == second.data == {"grow": 2}
