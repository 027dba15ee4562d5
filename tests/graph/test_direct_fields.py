"""graph.direct_fields: which fields are resolved by calling their method directly, and that they answer as
Strawberry would (the schema's own fields are checked through HTTP by every other test)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from graph.direct_fields import DEFINITION, call_plain_resolvers, plain_method


@strawberry.type
class Thing:
    name: str

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def with_info(self, info: Info) -> str:
        return str(info.field_name)

    @strawberry.field
    def with_argument(self, times: int) -> str:
        return self.name * times

    @strawberry.field
    async def later(self) -> str:
        return self.name

    @strawberry.field
    @staticmethod
    def fixed() -> str:
        return "fixed"


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(name="ab")


def definitions(schema: strawberry.Schema, type_name: str) -> dict[str, Any]:
    gql_type: Any = schema._schema.type_map[type_name]
    return {name: field.extensions.get(DEFINITION) for name, field in gql_type.fields.items()}


def test_only_plain_self_methods_are_called_directly():
    schema = strawberry.Schema(query=Query)
    plain = {name for name, definition in definitions(schema, "Thing").items() if plain_method(definition)}
    assert plain == {"shout"}  # not a plain attribute, info, an argument, async or a static method


@pytest.mark.anyio
async def test_a_direct_field_answers_as_through_strawberry():
    query = "{ thing { name shout withInfo withArgument(times: 2) later fixed } }"
    stock = await strawberry.Schema(query=Query).execute(query)
    direct_schema = strawberry.Schema(query=Query)
    assert call_plain_resolvers(direct_schema._schema) == 2  # Thing.shout, and Query.thing (self only too)
    direct = await direct_schema.execute(query)
    assert direct.errors is None and direct.data == stock.data
    assert direct.data == {
        "thing": {"name": "ab", "shout": "AB", "withInfo": "withInfo", "withArgument": "abab", "later": "ab",
                  "fixed": "fixed"}
    }  # fmt: skip
