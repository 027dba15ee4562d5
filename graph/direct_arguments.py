"""Resolvers with arguments or ``info`` called directly, their arguments converted by code built once.

Strawberry's generic path, per field and per request, re-derives how to turn graphql-core's coerced argument
dictionaries into Python values: it asks the name converter for every argument and input field, resolves
each input field's type, tests whether a type is a leaf, imports the relay types on every recursive call and
chains the field extensions through ``reduce`` and ``partial``; in a single small input that is about 30 µs
(``checkAuthorisation``'s own cost was a third Strawberry bookkeeping). :func:`call_resolvers_directly` works
all of that out once, when the schema is built, and gives each such field a graphql-core resolver that
converts the arguments with the prepared converters, builds the ``Info`` and calls the resolver function as
``StrawberryField.get_result`` would.

Only shapes whose conversion is fully known are taken: scalars and enums (passed on as graphql-core coerced
them), lists, optionals, lazy types and plain input types (each field converted, fields without a default
set to ``None`` first, as Strawberry does). A field with a field extension or permission class, an exception
handler, a subscription, a ``StrawberryField`` subclass with its own ``get_result``, or an argument of any
other kind (``Maybe``, ``GlobalID``, an input with its own ``from_input``) keeps Strawberry's path. The answers
are Strawberry's: ``tests/graph/test_direct_arguments.py`` runs the same documents through both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.relay.types import GlobalID
from strawberry.types.arguments import _is_leaf_type
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

from graph.direct_fields import DEFINITION, plain_method

Converter = Callable[[Any], Any]


class Unsupported(Exception):
    """A type whose conversion is left to Strawberry."""


def _same(value: Any) -> Any:
    return value


def _copied_list(value: Any) -> Any:
    # graphql-core hands the same default list to every request that omits the value: never pass it on
    return value if value is None or value is UNSET else list(value)


class _ArgumentCompiler:
    """Converters for one schema's argument types; input types are compiled once and may refer to themselves."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self.scalars = schema.schema_converter.scalar_registry
        self.names = schema.config.name_converter
        self.inputs: dict[type, _InputConverter] = {}

    def converter(self, type_: Any) -> Converter:
        if isinstance(type_, StrawberryMaybe) or type_ is GlobalID:
            raise Unsupported(type_)
        if isinstance(type_, StrawberryOptional):
            return self.converter(type_.of_type)  # None and UNSET pass through every converter
        if isinstance(type_, LazyType):
            return self.converter(type_.resolve_type())
        if isinstance(type_, StrawberryList):
            inner = type_.of_type
            item_type = inner.of_type if isinstance(inner, StrawberryOptional) else inner
            if item_type is not GlobalID and _is_leaf_type(item_type, self.scalars):
                return _copied_list
            item = self.converter(inner)
            return lambda value: value if value is None or value is UNSET else [item(x) for x in value]
        if _is_leaf_type(type_, self.scalars) or has_enum_definition(type_):
            return _same
        if has_object_definition(type_):
            return self._input(type_)
        raise Unsupported(type_)

    def _input(self, cls: type) -> Converter:
        if cls in self.inputs:
            return self.inputs[cls]
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        if not definition.is_input or definition.from_input is not None:
            raise Unsupported(cls)
        converter = self.inputs[cls] = _InputConverter(cls)
        try:
            converter.fields = tuple(
                (
                    self.names.from_field(field),
                    field.python_name,
                    self.converter(field.resolve_type(type_definition=definition)),
                )
                for field in definition.fields
            )
        except Unsupported:
            del self.inputs[cls]
            raise
        converter.unset = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is MISSING and field.default_factory is MISSING
        }
        return converter


class _InputConverter:
    """A plain input type: graphql-core's dictionary (GraphQL names) into an instance (Python names)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.fields: tuple[tuple[str, str, Converter], ...] = ()
        self.unset: dict[str, None] = {}

    def __call__(self, value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        kwargs: dict[str, Any] = dict(self.unset)
        for graphql_name, python_name, convert in self.fields:
            if graphql_name in value:
                kwargs[python_name] = convert(value[graphql_name])
        return self.cls(**kwargs)


def direct_resolver(schema: strawberry.Schema, field: Any, compiler: _ArgumentCompiler) -> Callable[..., Any] | None:
    """A graphql-core resolver for ``field`` that skips Strawberry's generic path, or None to keep that path."""
    if not isinstance(field, StrawberryField) or field.extensions or field.is_subscription:
        return None
    if type(field).get_result is not StrawberryField.get_result:
        return None
    resolver = field.base_resolver
    if resolver is None or schema.schema_converter._get_field_exception_handlers(field):
        return None
    try:
        arguments = tuple(
            (compiler.names.from_argument(argument), argument.python_name, compiler.converter(argument.type))
            for argument in field.arguments
        )
    except Unsupported:
        return None
    function = resolver.wrapped_func
    info_class = schema.config.info_class
    takes_self = resolver.self_parameter is not None
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    source_names = tuple(p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None)

    def resolve(source: Any, info: GraphQLResolveInfo, **raw: Any) -> Any:
        kwargs: dict[str, Any] = {}
        for graphql_name, python_name, convert in arguments:
            if graphql_name in raw:
                kwargs[python_name] = convert(raw[graphql_name])
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        for name in source_names:
            kwargs[name] = source
        if takes_self:
            return function(source, **kwargs)
        return function(**kwargs)

    return resolve


def call_resolvers_directly(schema: strawberry.Schema) -> int:
    """Give every resolver-backed field that is not a plain ``self``-only method (graph.direct_fields) and whose
    arguments are of known shapes a direct resolver; returns how many fields it changed."""
    compiler = _ArgumentCompiler(schema)
    changed = 0
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for gql_field in type_.fields.values():
            definition = gql_field.extensions.get(DEFINITION)
            if gql_field.subscribe is not None or plain_method(definition) is not None:
                continue
            resolve = direct_resolver(schema, definition, compiler)
            if resolve is not None:
                gql_field.resolve = resolve
                changed += 1
    return changed
