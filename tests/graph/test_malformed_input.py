"""Malformed input, sent as a fuzzer would (issue 7, section 3): every answer is a typed error or a GraphQL
validation error, never HTTP 500 and never "Unexpected error.".

The string classes (a lone surrogate, a NUL, an over-long value, a line break in a single-line field) go to
every String and ID input of every root field, found from the schema like tests/graph/test_access_matrix.py
does, on the dev and the production profile. The suite runs on SQLite and on PostgreSQL + Redis with the
same expectations, so both backends give the same answer.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_object_type,
)

from graph.app import build_schema
from graph.schema.limits import limit_for
from tests.graph.test_hardening import production_settings, running
from tests.support import staff_token
from uidp.config import Settings

pytestmark = pytest.mark.anyio

CJK = re.compile("[\u4e00-\u9fff]")
SCHEMA = build_schema(Settings.from_env({}, data_dir=Path(tempfile.mkdtemp())))._schema


# ---- the inputs of the schema -------------------------------------------------------------------------------


def string_inputs(type_: GraphQLInputType, owner: str, name: str, path: tuple[str, ...]) -> list[Any]:
    """(path, owner, name, scalar, multiline) of every String / ID reachable from one argument."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLInputObjectType):
        found = []
        for field_name, field in named.fields.items():
            found += string_inputs(field.type, named.name, field_name, (*path, field_name))
        return found
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        limit, _ = limit_for(owner, name, named.name)
        return [(path, owner, name, named.name, limit)]
    return []


def root_fields() -> list[tuple[str, str, GraphQLField]]:
    found = []
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        for name, field in root.fields.items():
            found.append((operation, name, field))
    return found


def every_string_input() -> list[tuple[str, str, GraphQLField, Any]]:
    cases = []
    for operation, name, field in root_fields():
        for arg_name, arg in field.args.items():
            for entry in string_inputs(
                arg.type, f"{'Query' if operation == 'query' else 'Mutation'}.{name}", arg_name, (arg_name,)
            ):
                cases.append((operation, name, field, entry))
    return cases


def minimal(type_: GraphQLInputType) -> Any:
    """A value of the type with only its required parts filled (shapes only; contents do not matter here)."""
    if isinstance(type_, GraphQLNonNull):
        return minimal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [minimal(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: minimal(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    scalar = {"Int": 1, "Float": 1.0, "Boolean": False, "ID": str(uuid.uuid4()), "Date": "2020-01-01"}
    return scalar.get(type_.name, "2026-01-01T00:00:00+00:00" if type_.name == "DateTime" else "x")


def _with(value: Any, type_: GraphQLInputType, path: tuple[str, ...], bad: str) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _with(value, type_.of_type, path, bad)
    if isinstance(type_, GraphQLList):
        return [_with(value[0] if value else None, type_.of_type, path, bad)]
    if not path:
        return bad
    assert isinstance(type_, GraphQLInputObjectType)
    base = dict(value or minimal(type_))
    base[path[0]] = _with(base.get(path[0]), type_.fields[path[0]].type, path[1:], bad)
    return base


def selection(field: GraphQLField) -> str:
    named = get_named_type(field.type)
    if isinstance(named, GraphQLUnionType) and any("Error" in {i.name for i in t.interfaces} for t in named.types):
        return " { __typename ... on Error { code message field } }"
    if is_object_type(named) or isinstance(named, GraphQLUnionType):
        return " { __typename }"
    return ""


def request(operation: str, name: str, field: GraphQLField, path: tuple[str, ...], bad: str) -> dict[str, Any]:
    """The document and variables that put ``bad`` at ``path`` (argument name first) and fill the rest."""
    variables = {}
    for arg_name, arg in field.args.items():
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if arg_name == path[0]:
            variables[arg_name] = _with(minimal(arg.type) if required else None, arg.type, path[1:], bad)
        elif required:
            variables[arg_name] = minimal(arg.type)
    declared = ", ".join(f"${a}: {field.args[a].type}" for a in variables)
    passed = ", ".join(f"{a}: ${a}" for a in variables)
    head = f"{operation}({declared})" if declared else operation
    call = f"{name}({passed})" if passed else name
    return {"query": f"{head} {{ {call}{selection(field)} }}", "variables": variables}


async def send(http: httpx.AsyncClient, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    """Posts JSON with ASCII escapes, so lone surrogates travel as ``\\ud800`` the way a fuzzer sends them."""
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    return await http.post("/graphql", content=json.dumps(body), headers=headers)


def refusal(response: httpx.Response, name: str) -> tuple[str, str | None, str]:
    """(code, field, message) of the typed error, from the result union or a top-level error."""
    assert response.status_code == 200, response.text
    assert "Unexpected error." not in response.text, response.text
    body = response.json()
    value = (body.get("data") or {}).get(name)
    if isinstance(value, dict) and "code" in value:
        return value["code"], value["field"], value["message"]
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        if "code" in extensions:
            return extensions["code"], extensions.get("field"), error["message"]
    raise AssertionError(f"no typed error: {response.text[:300]}")


# ---- every input has a deliberate limit -----------------------------------------------------------------------


def test_every_string_input_has_a_deliberate_limit():
    """A new input named unlike any rule gets DEFAULT_LIMIT at run time; this test asks for a real rule."""
    lacking = set()
    for type_ in SCHEMA.type_map.values():
        if is_object_type(type_) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                for arg_name, arg in field.args.items():
                    for _, owner, input_name, scalar, _ in string_inputs(
                        arg.type, f"{type_.name}.{name}", arg_name, ()
                    ):
                        if limit_for(owner, input_name, scalar)[1] == "default":
                            lacking.add(f"{owner}.{input_name}")
    assert not lacking, f"string inputs without a limit rule (add them to graph/schema/limits.py): {sorted(lacking)}"


def test_limits_cover_what_the_domain_accepts():
    longest_name = "阿" * 50
    assert limit_for("RegisterPersonInput", "name", "String")[0].max_length >= len(longest_name)
    assert limit_for("LoginWithPasswordInput", "identifier", "String")[0].max_length >= 32
    assert limit_for("ImportPersonsInput", "csv", "String")[0].multiline
    assert not limit_for("LoginStaffInput", "username", "String")[0].multiline


# ---- strings of every root field ------------------------------------------------------------------------------

CASES = every_string_input()
CLASSES = {
    "surrogate": ("a\ud800b", "INVALID_CHARACTERS"),
    "nul": ("a\u0000b", "INVALID_CHARACTERS"),
    "escape": ("a\u001bb", "INVALID_CHARACTERS"),
}


@pytest.fixture(params=["dev", "production"])
async def http(request, make_settings, clock, client):
    if request.param == "dev":
        yield client
        return
    async with running(production_settings(make_settings), clock) as production:
        yield production


@pytest.fixture(params=["dev", "production"])
async def http_unbudgeted(request, make_settings, clock):
    """As ``http``, with the anonymous-mutation budget raised: every field is tried from one address."""

    def settings(**overrides: Any) -> Any:
        return make_settings(anonymous_mutations_per_hour=100_000, **overrides)

    chosen = settings() if request.param == "dev" else production_settings(settings)
    async with running(chosen, clock) as answering:
        yield answering


def test_the_case_list_covers_the_schema():
    fields = {name for _, name, _, _ in CASES}
    assert {"loginWithPassword", "loginStaff", "sandboxOutbox", "auditEvents", "importPersons"} <= fields
    assert len(CASES) > 100


async def test_every_string_input_refuses_bad_characters_and_length(http_unbudgeted):
    problems = []
    for operation, name, field, (path, _, _, _, limit) in CASES:
        expected_field = ".".join(path[1:] if path[0] == "input" else path)
        values = dict(CLASSES)
        values["too long"] = ("x" * (limit.max_length + 1), "INPUT_TOO_LONG")
        if not limit.multiline:
            values["line break"] = ("a\nb", "INVALID_CHARACTERS")
        for label, (bad, code) in values.items():
            response = await send(http_unbudgeted, request(operation, name, field, path, bad))
            try:
                got = refusal(response, name)
            except AssertionError as error:
                problems.append(f"{name} {expected_field} ({label}): {error}")
                continue
            if got[:2] != (code, expected_field) or not CJK.search(got[2]):
                problems.append(f"{name} {expected_field} ({label}): {got}")
    assert not problems, "\n".join(problems)


async def test_multiline_fields_take_line_breaks(api, rt):
    token = await staff_token(rt, "operator")
    csv = "name,certificate_type,certificate_number,phone\r\n"
    body = await api.gql(
        "mutation($i: ImportPersonsInput!) { importPersons(input: $i) { __typename } }",
        {"i": {"csv": csv}},
        token=token,
    )
    assert body["data"]["importPersons"]["__typename"] == "PersonsImported", body


async def test_the_longest_allowed_value_passes_the_edge(api):
    """At the limit the edge lets the value through: the service answers (here: a wrong login)."""
    limit = limit_for("LoginStaffInput", "username", "String")[0].max_length
    body = await send(
        api.client,
        {
            "query": "mutation($i: LoginStaffInput!) { loginStaff(input: $i) { ... on Error { code field } } }",
            "variables": {"i": {"username": "x" * limit, "password": "x"}},
        },
    )
    assert body.json()["data"]["loginStaff"]["code"] == "INVALID_CREDENTIALS"


# ---- values graphql-core cannot coerce: its own message, not "Unexpected error." -------------------------------

REGISTER = "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { __typename } }"
AUDIT = "query($n: Int!) { auditEvents(first: $n) { edges { cursor } } }"


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            REGISTER,
            {"i": {"validFrom": "2020-02-30"}},
            "Variable '$i' has invalid value at .validFrom: Value cannot represent a Date: \"2020-02-30\".",
        ),
        (AUDIT, {"n": 2147483648}, "Variable '$n' has invalid value: Int cannot represent non 32-bit signed integer"),
        (AUDIT, {"n": "12"}, "Variable '$n' has invalid value: Int cannot represent non-integer value: '12'"),
        (
            "query($t: DateTime) { auditEvents(filter: {from: $t}) { edges { cursor } } }",
            {"t": "2026-13-01T00:00:00Z"},
            "Variable '$t' has invalid value: Value cannot represent a DateTime",
        ),
    ],
)
async def test_coercion_errors_keep_graphql_cores_message(http, query, variables, message):
    if "registerPerson" in query:  # a complete form, so the date is the only thing wrong
        variables = {"i": {**minimal(SCHEMA.type_map["RegisterPersonInput"]), **variables["i"]}}
    response = await send(http, {"query": query, "variables": variables})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert len(body["errors"]) == 1 and body["errors"][0]["message"].startswith(message), body


# ---- the two staff crashes ------------------------------------------------------------------------------------


async def test_sandbox_outbox_with_a_malformed_phone_is_a_typed_error(api, rt):
    token = await staff_token(rt, "reviewer")
    response = await send(api.client, {"query": '{ sandboxOutbox(phone: "abc") { text } }'}, token)
    assert refusal(response, "sandboxOutbox") == ("INVALID_PHONE", "phone", "请输入正确的11位中国大陆手机号码")


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_audit_events_out_of_range_is_a_typed_error(api, rt, moment):
    token = await staff_token(rt, "administrator", username="admin1")
    for name in ("from", "to"):
        query = "query($t: DateTime) { auditEvents(filter: {" + name + ": $t}) { edges { cursor } } }"
        response = await send(api.client, {"query": query, "variables": {"t": moment}}, token)
        assert refusal(response, "auditEvents") == ("INVALID_FORMAT", f"filter.{name}", "日期时间超出范围")


async def test_audit_events_at_the_edge_of_the_range_still_answer(api, rt):
    token = await staff_token(rt, "administrator", username="admin1")
    query = "query($t: DateTime) { auditEvents(filter: {from: $t}) { edges { cursor } } }"
    response = await send(api.client, {"query": query, "variables": {"t": "9999-12-31T00:00:00+00:00"}}, token)
    assert response.json() == {"data": {"auditEvents": {"edges": []}}}


# ---- malformed bodies: 400 with a GraphQL-shaped error --------------------------------------------------------

JSON_TYPE = {"content-type": "application/json"}
NESTED = b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
SHALLOW_BUT_DEEP = b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 40 + b"]" * 40 + b"}}"
LONG_NUMBER = (
    b'{"query": "query($n: Int) { auditEvents(first: $n) { edges { cursor } } }", "variables": {"n": '
    + (b"9" * 5000)
    + b"}}"
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"null", "a GraphQL request must be a JSON object"),
        (b"42", "a GraphQL request must be a JSON object"),
        (b'"{ __typename }"', "a GraphQL request must be a JSON object"),
        (b'{"query": "{ __typename }", "x": "\xff\xfe"}', "the body is not valid UTF-8"),
        (NESTED, "nested deeper than 32 levels"),
        (SHALLOW_BUT_DEEP, "nested deeper than 32 levels"),
        (LONG_NUMBER, "a number longer than 40 characters"),
        (b'{"query": "{ __typename }", "variables": {"n": NaN}}', "NaN is not JSON"),
        (b"{", "Expecting property name"),
    ],
)
async def test_malformed_json_bodies_are_400(http, body, message):
    response = await http.post("/graphql", content=body, headers=JSON_TYPE)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    error = response.json()["errors"][0]
    assert error["message"].startswith(f"Unable to parse request body as JSON: {message}"), error
    assert error["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": 5}, "The GraphQL operation's `query` must be a string or null, if provided."),
        ({"query": "{ __typename }", "variables": 5}, "The GraphQL operation's `variables` must be an object or null"),
        ({"query": "{ __typename }", "operationName": 5}, "The GraphQL operation's `operationName` must be a string"),
        ({"query": "{ __typename }", "extensions": []}, "The GraphQL operation's `extensions` must be an object"),
        ({}, "No GraphQL query found in the request"),
    ],
)
async def test_requests_of_the_wrong_shape_are_400(http, body, message):
    response = await http.post("/graphql", json=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"].startswith(message) and error["extensions"] == {"code": "BAD_REQUEST"}


UPLOAD = "mutation($f: Upload!) { uploadDocument(input: {kind: CERTIFICATE_FRONT, file: $f}) { __typename } }"


@pytest.mark.parametrize(
    ("operations", "files_map", "message"),
    [
        (json.dumps({"query": UPLOAD, "variables": {"f": None}}), '["variables.f"]', "multipart map must be"),
        (json.dumps({"query": UPLOAD, "variables": {"f": None}}), '{"0": "variables.f"}', "multipart map must be"),
        (json.dumps({"query": UPLOAD, "variables": {"f": None}}), "null", "Unable to parse request body as JSON"),
        ("null", '{"0": ["variables.f"]}', "Unable to parse request body as JSON"),
        (json.dumps([{"query": UPLOAD}]), '{"0": ["0.variables.f"]}', "multipart operations must be a JSON object"),
        (json.dumps({"query": UPLOAD, "variables": {"f": None}}), '{"0": ["variables.g.h"]}', "File(s) missing"),
        (json.dumps({"query": UPLOAD, "variables": {"f": None}}), '{"1": ["variables.f"]}', "File(s) missing"),
    ],
)
async def test_malformed_multipart_requests_are_400(http, operations, files_map, message):
    response = await http.post(
        "/graphql",
        data={"operations": operations, "map": files_map},
        files={"0": ("front.png", b"\x89PNG", "image/png")},
        headers={"x-uidp-csrf": "1"},
    )
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["message"].startswith(message) and error["extensions"] == {"code": "BAD_REQUEST"}


# ---- no suggestion of any kind in production ------------------------------------------------------------------

SUGGESTING = [
    # a type
    ("mutation($i: LoginWithPasswordInpt!) { loginWithPassword(input: $i) { __typename } }", {"i": {}}),
    # an argument
    ('mutation { loginWithPassword(inpt: {identifier: "a", password: "b"}) { __typename } }', {}),
    # an input field, as a literal and as a variable
    ('mutation { loginWithPassword(input: {identifer: "a", password: "b"}) { __typename } }', {}),
    (
        "mutation($i: LoginWithPasswordInput!) { loginWithPassword(input: $i) { __typename } }",
        {"i": {"identifer": "a", "password": "b"}},
    ),
    # an enum value, as a literal and as a variable
    (
        'mutation { sendSmsCode(input: {purpose: REGISTR, phone: "1", captchaId: "a", captchaAnswer: "b"}) '
        "{ __typename } }",
        {},
    ),
    (
        "mutation($i: SendSmsCodeInput!) { sendSmsCode(input: $i) { __typename } }",
        {"i": {"purpose": "REGISTR", "phone": "1", "captchaId": "a", "captchaAnswer": "b"}},
    ),
    # a field
    ("{ loginMethod { id } }", {}),
]


@pytest.mark.parametrize(("query", "variables"), SUGGESTING)
async def test_no_suggestions_in_production(client, http, query, variables):
    dev = await send(client, {"query": query, "variables": variables})
    assert "Did you mean" in dev.text, dev.text  # the document really does invite a suggestion
    answer = await send(http, {"query": query, "variables": variables})
    assert answer.status_code == 200 and answer.json()["data"] is None
    if http is not client:
        assert "Did you mean" not in answer.text, answer.text
        assert [e["message"] for e in answer.json()["errors"]] == [
            e["message"].split(" Did you mean ")[0] for e in dev.json()["errors"]
        ]


# ---- logs ----------------------------------------------------------------------------------------------------


async def test_refused_input_is_not_logged_with_its_values(api, caplog, monkeypatch):
    """Validation, coercion and edge refusals are the caller's; their messages repeat the caller's input."""
    from uidp.services.shared.captcha import CaptchaService

    login = "mutation($i: LoginWithPasswordInput!) { loginWithPassword(input: $i) { __typename } }"
    with caplog.at_level(logging.DEBUG, logger="strawberry.execution"):
        await send(api.client, {"query": login, "variables": {"i": {"identifier": "x", "password": 420102199001}}})
        await send(api.client, {"query": login, "variables": {"i": {"identifier": "4201\u0000", "password": "p"}}})
        await send(api.client, {"query": '{ loginMethods(x: "420102199003") { id } }'})
    assert "4201021990" not in caplog.text and "4201" not in caplog.text

    async def crash(self: Any) -> Any:
        raise RuntimeError("an unexpected failure")

    monkeypatch.setattr(CaptchaService, "issue", crash)
    with caplog.at_level(logging.DEBUG, logger="strawberry.execution"):
        response = await send(api.client, {"query": "mutation { requestCaptcha { id } }"})
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert "an unexpected failure" in caplog.text  # what operators need to debug is still logged
