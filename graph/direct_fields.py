"""Plain resolvers called directly: a field whose resolver takes only ``self`` is resolved by calling it.

Strawberry runs every resolver-backed field through its generic path: an ``Info`` object, argument
conversion, the field-extension chain and a ``reduce`` of partials, per field and per request. A resolver of
the shape ``def masked_name(self) -> str`` (no arguments, no ``info``, not async, no field extension or
permission) needs none of it, and most output fields are of that shape. :func:`call_plain_resolvers` gives
each such field a graphql-core resolver that calls the method on the parent object, once when the schema is
built; the answer is the same value Strawberry would have passed on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"  # where Strawberry keeps a graphql-core field's StrawberryField


def call_plain_resolvers(schema: GraphQLSchema) -> int:
    """Resolve every plain ``self``-only field directly; returns how many fields it changed."""
    changed = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            method = plain_method(field.extensions.get(DEFINITION))
            if method is not None:
                field.resolve = _direct(method)
                changed += 1
    return changed


def plain_method(definition: Any) -> Callable[[Any], Any] | None:
    """The function of a field whose resolver is a plain method taking only ``self``, else None."""
    if not isinstance(definition, StrawberryField) or definition.extensions or definition.arguments:
        return None
    resolver = definition.base_resolver
    if resolver is None or resolver._descriptor is not None or resolver.is_async:
        return None
    function = resolver.wrapped_func
    if not inspect.isfunction(function) or inspect.isgeneratorfunction(function):
        return None
    if list(inspect.signature(function).parameters) != ["self"]:
        return None
    return function


def _direct(method: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(parent: Any, info: GraphQLResolveInfo) -> Any:
        return method(parent)

    return resolve
