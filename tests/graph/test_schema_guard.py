"""One result union per mutation, and the errors a resolver may return come from it alone (issue 8, part 4).

``guarded(info, call)`` reads the union from the field's return annotation; these tests prove that reading
gives exactly the members the schema publishes for every mutation, and that no resolver lists them again.
"""

from __future__ import annotations

import ast
from pathlib import Path

from graphql import GraphQLNonNull, GraphQLUnionType

from graph.app import build_schema
from graph.resolvers.common import union_members
from uidp.config import Settings

RESOLVERS = Path(__file__).resolve().parents[2] / "graph" / "resolvers"


def test_union_members_are_read_from_every_mutations_annotation(tmp_path):
    schema = build_schema(Settings.from_env({}, data_dir=tmp_path))
    mutation = schema.get_type_by_name("Mutation")
    graphql_mutation = schema._schema.mutation_type
    checked = 0
    for field in mutation.fields:
        published = graphql_mutation.fields[schema.config.name_converter.get_graphql_name(field)].type
        if isinstance(published, GraphQLNonNull):
            published = published.of_type
        members = union_members(field.type)
        if not isinstance(published, GraphQLUnionType):
            assert members == (), field.name
            continue
        names = {schema.config.name_converter.from_type(member.__strawberry_definition__) for member in members}
        assert names == {member.name for member in published.types}, field.name
        checked += 1
    assert checked >= 40  # the walk saw the mutations, not an empty type


def test_no_resolver_lists_error_types_beside_the_call():
    for module in RESOLVERS.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"guarded", "_as_holder"}:
                assert len(node.args) == 2 and not node.keywords, f"{module.name}:{node.lineno}"


# A captcha is always issued (an over-budget caller gets a top-level RATE_LIMITED): it has no error to carry.
MUTATIONS_WITHOUT_UNION = {"requestCaptcha"}


def test_every_mutation_has_a_union_of_its_own(tmp_path):
    schema = build_schema(Settings.from_env({}, data_dir=tmp_path))._schema
    owners: dict[str, list[str]] = {}
    for name, field in schema.mutation_type.fields.items():
        result = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(result, GraphQLUnionType):
            owners.setdefault(result.name, []).append(name)
        else:
            assert name in MUTATIONS_WITHOUT_UNION, f"{name} returns {result} instead of a result union"
    shared = {union: names for union, names in owners.items() if len(names) > 1}
    assert not shared, f"unions shared between mutations: {shared}"
    assert len(owners) >= 40
