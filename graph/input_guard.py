"""The input edge: every string argument is checked before any resolver, service or query sees it.

:func:`guard_schema` wraps the resolver of every field that takes arguments. The wrapper walks the coerced
arguments with their GraphQL types and refuses, with a typed error:

- a String or ID longer than its limit (:mod:`graph.schema.limits`): ``INPUT_TOO_LONG``;
- lone surrogates, NUL and the other C0/C1 control characters and DEL: ``INVALID_CHARACTERS`` (tab, line
  feed and carriage return only where the limit says the field is multi-line);
- a DateTime that cannot be expressed in UTC (e.g. ``9999-12-31T23:59:59-14:00``): ``INVALID_FORMAT``.

The refusal is the union's ``FieldError`` when the field returns a union that has one; otherwise a
top-level error whose ``extensions`` carry ``code`` and ``field`` (graph.hardening lets these codes through).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    default_field_resolver,
    get_named_type,
)

from graph.schema.errors import FieldError
from graph.schema.limits import Limit, limit_for
from uidp.domain.errors import DomainError, ErrorCode

# Never allowed: C0 controls but tab/LF/CR, DEL, C1 controls, and surrogates (only lone ones survive JSON).
_ALWAYS_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]")


@lru_cache(maxsize=4096)
def _limit(owner: str, name: str, scalar: str) -> Limit:
    return limit_for(owner, name, scalar)[0]


def check_string(value: str, limit: Limit, field: str) -> DomainError | None:
    """The refusal for one string value, or None when it is acceptable."""
    if len(value) > limit.max_length:
        return DomainError(ErrorCode.INPUT_TOO_LONG, f"输入过长，最多 {limit.max_length} 个字符", field=field)
    if _ALWAYS_REFUSED.search(value) or (not limit.multiline and _LINE_BREAKS.search(value)):
        return DomainError(ErrorCode.INVALID_CHARACTERS, "输入含有不允许的字符（如控制字符）", field=field)
    return None


def _check(value: Any, type_: GraphQLInputType, owner: str, name: str, path: str) -> DomainError | None:
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        return _check(value, type_.of_type, owner, name, path)
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for item in items:
            refusal = _check(item, type_.of_type, owner, name, path)
            if refusal is not None:
                return refusal
        return None
    if isinstance(type_, GraphQLInputObjectType):
        for field_name, field in type_.fields.items():
            if isinstance(value, dict) and field_name in value:
                inner = f"{path}.{field_name}" if path else field_name
                refusal = _check(value[field_name], field.type, type_.name, field_name, inner)
                if refusal is not None:
                    return refusal
        return None
    if isinstance(value, str) and isinstance(type_, GraphQLScalarType):
        return check_string(value, _limit(owner, name, type_.name), path)
    if isinstance(value, datetime):
        return _datetime_refusal(value, path)
    return None


def _datetime_refusal(value: datetime, path: str) -> DomainError | None:
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        return DomainError(ErrorCode.INVALID_FORMAT, "日期时间超出范围", field=path)
    return None


Checker = Callable[[Any], "DomainError | None"]


def _compile(type_: GraphQLInputType, owner: str, name: str, path: str, seen: frozenset[str]) -> Checker | None:
    """:func:`_check` for one argument, worked out once: None where nothing below can be refused (enums, numbers,
    booleans); an input type inside itself falls back to walking at request time."""
    if isinstance(type_, GraphQLNonNull):
        return _compile(type_.of_type, owner, name, path, seen)
    if isinstance(type_, GraphQLList):
        item = _compile(type_.of_type, owner, name, path, seen)
        if item is None:
            return None

        def each(value: Any) -> DomainError | None:
            if value is None:
                return None
            for one in value if isinstance(value, list) else [value]:
                refusal = item(one)
                if refusal is not None:
                    return refusal
            return None

        return each
    if isinstance(type_, GraphQLInputObjectType):
        if type_.name in seen:
            return lambda value: _check(value, type_, owner, name, path)
        parts = []
        for field_name, field in type_.fields.items():
            inner = f"{path}.{field_name}" if path else field_name
            checker = _compile(field.type, type_.name, field_name, inner, seen | {type_.name})
            if checker is not None:
                parts.append((field_name, checker))
        if not parts:
            return None

        def fields(value: Any) -> DomainError | None:
            if not isinstance(value, dict):
                return None
            for field_name, checker in parts:
                if field_name in value:
                    refusal = checker(value[field_name])
                    if refusal is not None:
                        return refusal
            return None

        return fields
    if isinstance(type_, GraphQLScalarType):
        limit = _limit(owner, name, type_.name)

        def scalar(value: Any) -> DomainError | None:
            if isinstance(value, str):
                return check_string(value, limit, path)
            return _datetime_refusal(value, path) if isinstance(value, datetime) else None

        return scalar
    return None  # enums: graphql-core has already matched the value to one of the type's names


def field_checker(parent: str, field_name: str, field: GraphQLField) -> Callable[[dict[str, Any]], DomainError | None]:
    """The first refused value among a field's coerced arguments (``input`` is not part of the field path), each
    argument's walk worked out when the schema is built."""
    checkers = []
    for arg_name, spec in field.args.items():
        path = "" if arg_name == "input" else arg_name
        checker = _compile(spec.type, f"{parent}.{field_name}", arg_name, path, frozenset())
        if checker is not None:
            checkers.append((arg_name, checker))

    def check(arguments: dict[str, Any]) -> DomainError | None:
        for arg_name, checker in checkers:
            value = arguments.get(arg_name)
            if value is not None:
                refusal = checker(value)
                if refusal is not None:
                    return refusal
        return None

    return check


def _has_field_error(field: GraphQLField) -> bool:
    named = get_named_type(field.type)
    return isinstance(named, GraphQLUnionType) and any(t.name == "FieldError" for t in named.types)


def _as_error_type(refusal: DomainError) -> FieldError:
    return FieldError(code=refusal.code, message=refusal.message, field=refusal.field)  # type: ignore[call-arg]


def _guard_resolve(parent: str, name: str, field: GraphQLField) -> Callable[..., Any]:
    resolve = field.resolve or default_field_resolver
    typed = _has_field_error(field)
    refused = field_checker(parent, name, field)

    def guarded(root: Any, info: Any, **arguments: Any) -> Any:
        refusal = refused(arguments)
        if refusal is None:
            return resolve(root, info, **arguments)
        if typed:
            return _as_error_type(refusal)
        raise refusal

    return guarded


def _guard_subscribe(parent: str, name: str, field: GraphQLField) -> Callable[..., Any]:
    subscribe = field.subscribe
    assert subscribe is not None
    typed = _has_field_error(field)
    refused = field_checker(parent, name, field)

    def guarded(root: Any, info: Any, **arguments: Any) -> Any:
        refusal = refused(arguments)
        if refusal is None:
            return subscribe(root, info, **arguments)
        if not typed:
            raise refusal

        async def once() -> AsyncIterator[Any]:
            yield _as_error_type(refusal)

        return once()

    return guarded


def guard_schema(schema: GraphQLSchema) -> GraphQLSchema:
    """Wrap every field that takes arguments (queries, mutations, subscriptions and nested fields)."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if not field.args:
                continue
            if field.subscribe is not None:
                field.subscribe = _guard_subscribe(type_.name, name, field)
            else:
                field.resolve = _guard_resolve(type_.name, name, field)
    return schema
