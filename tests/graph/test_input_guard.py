"""graph.input_guard: the checker worked out for each field when the schema is built refuses exactly what walking
the arguments with their types refuses, for every string of every argument of the real schema (the refusals
themselves are tested through HTTP in test_malformed_input.py)."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)

from graph.app import build_schema
from graph.input_guard import _check, field_checker
from uidp.config import Settings

DEPTH = 3  # an input inside itself is followed this far


def string_paths(type_: GraphQLInputType, path: str, depth: int = 0) -> list[str]:
    if isinstance(type_, GraphQLNonNull | GraphQLList):
        return string_paths(type_.of_type, path, depth)
    if isinstance(type_, GraphQLInputObjectType):
        if depth >= DEPTH:
            return []
        return [
            found
            for name, field in type_.fields.items()
            for found in string_paths(field.type, f"{path}.{name}" if path else name, depth + 1)
        ]
    if isinstance(type_, GraphQLScalarType) and type_.name in ("String", "ID"):
        return [path]
    return []


def sample(type_: GraphQLInputType, path: str, bad: str, value: str, depth: int = 0) -> Any:
    """A value of ``type_`` with ``value`` at ``bad`` and a harmless string everywhere else."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, path, bad, value, depth)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type, path, bad, value, depth), None]
    if isinstance(type_, GraphQLInputObjectType):
        if depth >= DEPTH:
            return None
        return {
            name: sample(field.type, f"{path}.{name}" if path else name, bad, value, depth + 1)
            for name, field in type_.fields.items()
        }
    if isinstance(type_, GraphQLScalarType) and type_.name in ("String", "ID"):
        return value if path == bad else "ok"
    return None


def walked(parent: str, name: str, field: GraphQLField, arguments: dict[str, Any]) -> Any:
    for arg_name, value in arguments.items():
        path = "" if arg_name == "input" else arg_name
        refusal = _check(value, field.args[arg_name].type, f"{parent}.{name}", arg_name, path)
        if refusal is not None:
            return refusal
    return None


def test_the_prepared_checker_refuses_what_the_walk_refuses(tmp_path):
    schema = build_schema(Settings.from_env({"UIDP_PROFILE": "dev", "UIDP_DATA_DIR": str(tmp_path)}))
    compared = 0
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            check = field_checker(type_.name, name, field)
            for arg_name, spec in field.args.items():
                top = "" if arg_name == "input" else arg_name
                for bad in string_paths(spec.type, top):
                    for value in ("\x00", "x" * 100_000, "fine"):
                        arguments = {arg_name: sample(spec.type, top, bad, value)}
                        expected, got = walked(type_.name, name, field, arguments), check(arguments)
                        assert (got and (got.code, got.field, got.message)) == (
                            expected and (expected.code, expected.field, expected.message)
                        ), (type_.name, name, bad, value[:8])
                        compared += 1
    assert compared > 600  # 263 strings in the schema of 2026-12-04, three values each
