"""Every error ``field`` a mutation can return names a field of that mutation's input (issue 8, part 4).

How the values are found (tests/graph/field_walk.py): a static walk from each mutation's resolver through
every call it can name into uidp/graph/plugins, reading the ``field`` of every ``DomainError`` and GraphQL error
type it constructs, with field parameters bound to what each caller passes (or the default it leaves). So
``check_password(..., field="newPassword")`` is seen with "newPassword", and a helper called without a field
is seen with its default ("password"): exactly the mistake this test exists for. Values the walk cannot
follow fail the test as ``Unknown`` unless ``COMPUTED`` below says how to check them.

Why it cannot pass vacuously: the walk must reach at least one error site with a field for every mutation
that takes an input, the known pairs in ``MUST_SEE`` must be found, and each entry of ``NOT_REACHED`` must
still be reported by the walk (a stale entry fails). The walk reads every branch, so it can report a field on
a path the flow never takes: those few are in ``NOT_REACHED``, each with the reason it cannot happen.
"""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLField, GraphQLInputObjectType, GraphQLList, GraphQLNonNull

from graph.app import build_schema
from tests.graph.field_walk import Site, Unknown, walk_resolver
from uidp.config import Settings
from uidp.domain.errors import ErrorCode

# Expressions a field is computed by, and the rule its values keep.
COMPUTED = {
    # documents.<kind>, the kind read from the mutation's own `documents` input (areas.registration.resolvers)
    "document_field(kind)": lambda allowed: "documents" in allowed,
}

# (mutation, field or expression) the walk reports on a path the mutation never takes, and why.
NOT_REACHED = {
    ("loginWithPassword", "totpCode"): "only a staff subject is asked for a TOTP code; the person realm finds none",
    ("loginEntity", "totpCode"): "only a staff subject is asked for a TOTP code; the entity realm finds none",
    ("loginEntity", "identifier"): "the resolver refuses an empty creditCode before the shared login check",
    ("loginStaff", "identifier"): "the resolver refuses an empty username before the shared login check",
    ("loginAsAgent", "totpCode"): "the agent's password is proven in the person realm, which finds no staff",
    ("completeBinding", "totpCode"): "a binding ticket's account is a person or an entity; only staff give a TOTP code",
    ("submitCertificateAppeal", "document_field(kind)"): "the P9b case is opened without documents: none to claim",
    ("bindNewPhone", "oldPhoneCode"): "bindNewPhone only serves an account without a phone: no old code is read",
    # importPersons reports a bad CSV row as ImportRowError(line, field=<CSV column>), not as the union's error
    ("importPersons", "certificate_number"): "a CSV column, reported in ImportRowError.field",
    ("importPersons", "certificate_type"): "a CSV column, reported in ImportRowError.field",
    ("importPersons", "name"): "a CSV column, reported in ImportRowError.field",
    ("importPersons", "phone"): "a CSV column, reported in ImportRowError.field",
}

# Pairs the walk must find: the fixed appeal fields and fields that only a bound parameter carries.
MUST_SEE = {
    ("submitCertificateAppeal", "newPassword"),
    ("submitPhoneAppeal", "newPasswordConfirmation"),
    ("submitEntityAppeal", "newPassword"),
    ("completePasswordRecovery", "newPassword"),
    ("registerPerson", "password"),
    ("registerEntity", "contactPhone"),
    ("changePhone", "oldPhoneCode"),
    ("bindNewPhone", "smsCode"),
    ("sendSmsCode", "phone"),
    ("loginStaff", "username"),
}


def _named(type_: object) -> object:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def input_fields(field: GraphQLField) -> set[str]:
    """The names an error may use: ``input``'s fields (nested ones as ``a.b``) and the other arguments."""
    names: set[str] = set()

    def add(owner: GraphQLInputObjectType, prefix: str) -> None:
        for name, inner in owner.fields.items():
            names.add(prefix + name)
            nested = _named(inner.type)
            if isinstance(nested, GraphQLInputObjectType):
                add(nested, f"{prefix}{name}.")

    for name, argument in field.args.items():
        named = _named(argument.type)
        if name != "input":
            names.add(name)
        if isinstance(named, GraphQLInputObjectType):
            add(named, "" if name == "input" else f"{name}.")
    return names


def walked(tmp_path) -> dict[str, tuple[set[str], set[Site]]]:
    schema = build_schema(Settings.from_env({}, data_dir=tmp_path))
    published = schema._schema.mutation_type.fields
    found = {}
    for field in schema.get_type_by_name("Mutation").fields:
        name = schema.config.name_converter.get_graphql_name(field)
        found[name] = (input_fields(published[name]), walk_resolver(field.base_resolver.wrapped_func).sites)
    return found


def test_every_error_field_names_an_input_field_of_its_mutation(tmp_path):
    problems, reported = [], set()
    for mutation, (allowed, sites) in walked(tmp_path).items():
        for site in sites:
            value = site.value
            if isinstance(value, Unknown):
                rule = COMPUTED.get(value.expr)
                if rule is not None and rule(allowed):
                    continue
                reported.add((mutation, value.expr))
                if (mutation, value.expr) not in NOT_REACHED:
                    problems.append(f"{mutation}: field={value.expr} in {value.where} (the walk cannot follow it)")
            elif value is not None and value not in allowed:
                reported.add((mutation, value))
                if (mutation, value) not in NOT_REACHED:
                    problems.append(f"{mutation}: field {value!r} from {site.where} is not in its input")
    assert not problems, "\n".join(sorted(set(problems)))
    stale = set(NOT_REACHED) - reported
    assert not stale, f"NOT_REACHED entries the walk no longer reports (remove them): {sorted(stale)}"


def test_the_walk_reaches_the_fields_of_every_mutation_with_an_input(tmp_path):
    seen, empty = set(), []
    for mutation, (allowed, sites) in walked(tmp_path).items():
        values = {site.value for site in sites if isinstance(site.value, str)}
        seen.update((mutation, value) for value in values)
        if allowed and not values:
            empty.append(mutation)
    assert not empty, f"the walk found no error field for these mutations: {empty}"
    assert seen >= MUST_SEE, sorted(MUST_SEE - seen)


def test_docs_list_every_error_code_once():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    table = docs.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    listed = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    codes = [code.value for code in ErrorCode]
    missing, unknown = sorted(set(codes) - set(listed)), sorted(set(listed) - set(codes))
    assert not missing and not unknown, f"docs/api.md '## Error codes': add {missing}, remove {unknown}"
    assert len(listed) == len(set(listed)), "docs/api.md '## Error codes' lists a code twice"
