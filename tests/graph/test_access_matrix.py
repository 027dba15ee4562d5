"""The access-control matrix (issue 3, item 9): every root query and mutation, called as each kind of caller.

Fields are enumerated from the schema, so a new field without an expectation here fails
``test_every_root_field_has_an_expectation``. Add one line to ``EXPECTATIONS`` per new field: who is allowed
(deny = a NotAuthenticated / Forbidden union member, or a top-level error with extensions.code
NOT_AUTHENTICATED / FORBIDDEN / TOKEN_SCOPE; anything else is allow) and, for staff fields, the API-token scope.
Arguments are generated from the field's types ("minimal valid-looking"); ``args`` overrides them.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_object_type,
)

from graph.app import build_schema
from tests.plugins.ca_factory import make_entity
from tests.support import PASSWORD, enrol_staff, resident_id
from uidp.config import Settings
from uidp.models.person import Person, PersonStatus
from uidp.models.session import Session
from uidp.services.auth.api_tokens import SCOPES, ApiTokens
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.activation import ActivationService
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio

ANONYMOUS, PERSON1, PERSON2 = "anonymous", "person level 1", "person level 2"
REVIEWER, OPERATOR, ADMINISTRATOR = "reviewer", "operator", "administrator"
ENTITY = "entity level 2"  # a legal person's session (subject_kind "entity")
CALLERS = (ANONYMOUS, PERSON1, PERSON2, ENTITY, REVIEWER, OPERATOR, ADMINISTRATOR)
EVERYONE = frozenset(CALLERS)
PERSONS = frozenset({PERSON1, PERSON2})
STAFF = frozenset({REVIEWER, OPERATOR, ADMINISTRATOR})
REVIEWERS = frozenset({REVIEWER, ADMINISTRATOR})
OPERATORS = frozenset({OPERATOR, ADMINISTRATOR})
ADMINISTRATORS = frozenset({ADMINISTRATOR})
LOGGED_IN = PERSONS | STAFF | {ENTITY}
DENY_CODES = {"NOT_AUTHENTICATED", "FORBIDDEN", "TOKEN_SCOPE"}


@dataclass(frozen=True)
class Expectation:
    allow: frozenset[str]
    scope: str | None = None  # staff fields: the API-token scope (graph.permissions.STAFF_FIELDS)
    args: str | None = None  # the argument list, e.g. '(input: {code: "X"})'; generated when None
    upload: bool = False  # sent as a multipart request with a small PNG in the variable $file
    tokens: bool = True  # staff fields: False when API tokens are refused even inside the scope


EXPECTATIONS: dict[str, Expectation] = {
    # onboarding, public (P1-P3, X1-X2)
    "me": Expectation(EVERYONE),
    "loginMethods": Expectation(EVERYONE),
    "registrationRules": Expectation(EVERYONE),
    "requestCaptcha": Expectation(EVERYONE),
    "sendSmsCode": Expectation(EVERYONE),
    "sendActivationCode": Expectation(EVERYONE),
    "checkCertificate": Expectation(EVERYONE),
    "uploadDocument": Expectation(EVERYONE, args="(input: {kind: CERTIFICATE_FRONT, file: $file})", upload=True),
    "registerPerson": Expectation(EVERYONE),
    "activatePerson": Expectation(EVERYONE),
    "loginWithPassword": Expectation(EVERYONE),
    "loginStaff": Expectation(EVERYONE),
    "startLogin": Expectation(EVERYONE),
    "completeLogin": Expectation(EVERYONE),
    "completeBinding": Expectation(EVERYONE),
    "sendBindingCode": Expectation(EVERYONE),
    "completeBindingBySms": Expectation(EVERYONE),
    "loginTicket": Expectation(EVERYONE),  # the secret is the access: anyone may ask, only its page learns
    "redeemLoginTicket": Expectation(EVERYONE),
    "logout": Expectation(LOGGED_IN),
    # dev sandbox readers: any staff member
    "sandboxOutbox": Expectation(STAFF, "sandbox"),
    "sandboxCaptchaAnswer": Expectation(STAFF, "sandbox"),
    # recovery and appeals (P8, P9): public
    "startPasswordRecovery": Expectation(EVERYONE),
    "sendRecoveryCode": Expectation(EVERYONE),
    "completePasswordRecovery": Expectation(EVERYONE),
    "submitPhoneAppeal": Expectation(EVERYONE),
    "startCertificateAppeal": Expectation(EVERYONE),
    "submitCertificateAppeal": Expectation(EVERYONE),
    # user space and cancellation (P7, P10, P11): persons
    "bindNewPhone": Expectation(PERSONS),
    "verifyBankCard": Expectation(PERSONS),
    "changePassword": Expectation(PERSONS),
    "sendMyPhoneCode": Expectation(PERSONS),
    "changePhone": Expectation(PERSONS),
    "acknowledgeNotice": Expectation(PERSONS),
    "endSession": Expectation(PERSONS),
    "unbindLogin": Expectation(PERSONS),
    "cancellationNotice": Expectation(EVERYONE),  # the five consequences: static text
    "cancelAccount": Expectation(PERSONS),
    # A1 review
    "reviewQueue": Expectation(REVIEWERS, "review"),
    "reviewCase": Expectation(REVIEWERS, "review"),
    "decideReviewCase": Expectation(REVIEWERS, "review"),
    # A2 staff operations
    "serviceItems": Expectation(EVERYONE),
    "upsertServiceItem": Expectation(OPERATORS, "catalogue"),
    "retireServiceItem": Expectation(OPERATORS, "catalogue"),
    "unlockAccount": Expectation(OPERATORS, "persons"),
    "endPersonSessions": Expectation(OPERATORS, "sessions"),
    "importPersons": Expectation(OPERATORS, "persons"),
    "createStaff": Expectation(ADMINISTRATORS, "staff"),
    "issueStaffSetupCode": Expectation(ADMINISTRATORS, "staff"),
    # staff enrolment: public, proven by the single-use setup code and then the enrolment token
    "startStaffEnrolment": Expectation(EVERYONE),
    "completeStaffEnrolment": Expectation(EVERYONE),
    # every staff member has their own tokens; minting needs a session, never a token
    "createApiToken": Expectation(STAFF, "staff", tokens=False),
    "revokeApiToken": Expectation(STAFF, "staff"),
    "apiTokens": Expectation(STAFF, "staff"),
    # A3
    "auditEvents": Expectation(ADMINISTRATORS, "audit"),
    # legal persons (E1, E2): public
    "entityTypes": Expectation(EVERYONE),
    "startEntityRegistration": Expectation(EVERYONE),
    "registerEntity": Expectation(EVERYONE),
    "loginEntity": Expectation(EVERYONE),
    # CA certificates (E4, E5): login is public; binding for entities and persons at level 2+ (staff: Forbidden)
    "startCertificateLogin": Expectation(EVERYONE),
    "loginWithCertificate": Expectation(EVERYONE),
    "sendBindCertificateCode": Expectation(frozenset({PERSON2, ENTITY})),
    "startCertificateBinding": Expectation(frozenset({PERSON2, ENTITY})),
    "bindCertificate": Expectation(frozenset({PERSON2, ENTITY})),
    # legal persons after registration (E7, E8, E10): the password way and E8 need an entity session
    "startEntityContactChange": Expectation(frozenset({ENTITY})),
    "verifyEntityElements": Expectation(EVERYONE),
    "changeEntityContact": Expectation(EVERYONE),
    "changeEntityLegalInformation": Expectation(frozenset({ENTITY})),
    "startEntityAppeal": Expectation(EVERYONE),
    "submitEntityAppeal": Expectation(EVERYONE),
    # delegation (E9): the entity, or a person acting under a grant they hold (underGrant); staff: Forbidden
    "delegationCandidates": Expectation(PERSONS | {ENTITY}),
    "grant": Expectation(EVERYONE),  # null unless the caller is the grant's entity or in its chain
    "findGrantCandidate": Expectation(PERSONS | {ENTITY}),
    "addGrantCandidate": Expectation(PERSONS | {ENTITY}),
    "removeGrantCandidate": Expectation(PERSONS | {ENTITY}),
    "createGrant": Expectation(PERSONS | {ENTITY}),
    "changeGrant": Expectation(PERSONS | {ENTITY}),
    "revokeGrant": Expectation(PERSONS | {ENTITY}),
    "applyForGrant": Expectation(PERSONS),
    "approveGrantApplication": Expectation(PERSONS | {ENTITY}),
    "rejectGrantApplication": Expectation(PERSONS | {ENTITY}),
    # proxy login (E3): public, proven by the agent's own password
    "loginAsAgent": Expectation(EVERYONE),
    # the authorisation check (issue 11): persons and entities for themselves, operators for a named person
    "checkAuthorisation": Expectation(PERSONS | {ENTITY} | OPERATORS, "authorisation"),
    # connected systems (issue 12): administrators only
    "connectedSystems": Expectation(ADMINISTRATORS, "connected_systems"),
    "connectedSystem": Expectation(ADMINISTRATORS, "connected_systems"),
    "registerConnectedSystem": Expectation(ADMINISTRATORS, "connected_systems"),
    "updateConnectedSystem": Expectation(ADMINISTRATORS, "connected_systems"),
    "disableConnectedSystem": Expectation(ADMINISTRATORS, "connected_systems"),
    "enableConnectedSystem": Expectation(ADMINISTRATORS, "connected_systems"),
    "rotateConnectedSystemSecret": Expectation(ADMINISTRATORS, "connected_systems"),
    # consents to connected systems (C3): each person or entity its own
    "myConsents": Expectation(PERSONS | {ENTITY}),
    "revokeConsent": Expectation(PERSONS | {ENTITY}),
}

# Staff fields whose resolvers do not call graph.permissions.require_staff yet, so API-token scopes are not
# enforced on them. Empty this set when they adopt it (the test fails if a listed field starts enforcing).
SCOPE_PENDING: set[str] = set()


def _schema():
    return build_schema(Settings.from_env({}, data_dir=Path(tempfile.mkdtemp())))._schema


def root_fields() -> dict[str, tuple[str, Any]]:
    schema = _schema()
    found = {}
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            found[name] = (operation, field)
    return found


HINTS = {
    "phone": '"15012340058"',
    "newPhone": '"15012340059"',
    "certificateNumber": f'"{resident_id()}"',
    "password": f'"{PASSWORD}"',
    "passwordConfirmation": f'"{PASSWORD}"',
    "currentPassword": f'"{PASSWORD}"',
    "newPassword": f'"{PASSWORD}"',
    "name": '"陈心"',
    "csv": '"name,certificate_number,phone\\n"',
    "cardNumber": '"6222020000000000000"',
}


def literal(name: str, gql_type: Any) -> str:
    """A minimal, valid-looking literal of a GraphQL input type (only required input fields are filled)."""
    if isinstance(gql_type, GraphQLNonNull):
        return literal(name, gql_type.of_type)
    if isinstance(gql_type, GraphQLList):
        return f"[{literal(name, gql_type.of_type)}]"
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    if isinstance(gql_type, GraphQLInputObjectType):
        parts = [
            f"{field_name}: {literal(field_name, field.type)}"
            for field_name, field in gql_type.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(parts) + "}"
    assert isinstance(gql_type, GraphQLScalarType)
    scalar = gql_type.name
    if scalar in ("Int", "Float"):
        return "1"
    if scalar == "Boolean":
        return "false"
    if scalar == "ID":
        return f'"{uuid.uuid4()}"'
    if scalar == "Date":
        return '"2020-01-01"'
    if scalar == "DateTime":
        return '"2026-01-01T00:00:00+00:00"'
    if scalar == "Upload":
        return '"not-a-file"'
    return HINTS.get(name, '"x"')


def document(name: str, operation: str, field: Any, args: str | None) -> str:
    if args is None:
        required = [
            f"{arg}: {literal(arg, spec.type)}"
            for arg, spec in field.args.items()
            if isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined
        ]
        args = f"({', '.join(required)})" if required else ""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLUnionType) and any("Error" in {i.name for i in t.interfaces} for t in named.types):
        selection = " { __typename ... on Error { code } }"
    elif is_object_type(named) or isinstance(named, GraphQLUnionType):
        selection = " { __typename }"
    else:
        selection = ""
    keyword = "mutation" if operation == "mutation" else "query"
    variables = "($file: Upload!)" if "$file" in args else ""
    return f"{keyword}{variables} {{ {name}{args}{selection} }}"


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64


async def call(api: Any, query: str, token: str | None, upload: bool) -> dict[str, Any]:
    if not upload:
        return await api.gql(query, token=token)
    headers = {"x-uidp-csrf": "1", **({"authorization": f"Bearer {token}"} if token else {})}
    response = await api.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": query, "variables": {"file": None}}),
            "map": '{"0": ["variables.file"]}',
        },
        files={"0": ("front.png", PNG, "image/png")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def verdict(body: dict[str, Any], name: str) -> str:
    """ "deny" or "allow"; "broken" for an answer that says the generated call was not even well-formed."""
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code in DENY_CODES:
            return "deny"
        if code is None and not error.get("path"):
            return "broken: invalid document (fix the expectation's args)"
        if code is None:
            return "broken: unexpected error"
    value = (body.get("data") or {}).get(name)
    if isinstance(value, dict) and (value.get("__typename") in ("NotAuthenticated", "Forbidden")):
        return "deny"
    return "allow"


class Callers:
    """One account per kind of caller; every call gets a fresh session, so logout and the like harm nothing."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.subjects: dict[str, tuple[str, uuid.UUID]] = {}

    async def set_up(self) -> None:
        rows = "".join(f"陈心,,{resident_id(seq=seq)},1501234005{n}\n" for n, seq in enumerate(("121", "131")))
        report = await ActivationService(self.rt).import_csv("name,certificate_type,certificate_number,phone\n" + rows)
        assert report.created == 2, report.errors
        persons = await Person.all().order_by("phone_index")
        for caller, person, level in ((PERSON1, persons[0], 1), (PERSON2, persons[1], 2)):
            await Person.filter(id=person.id).update(status=PersonStatus.ACTIVE, level=level)
            await Passwords(self.rt).store_hash("person", person.id, await self.rt.hasher.hash(PASSWORD))
            self.subjects[caller] = ("person", person.id)
        for role in (REVIEWER, OPERATOR, ADMINISTRATOR):
            enrolled = await enrol_staff(self.rt, role, username=f"m-{role}")
            self.subjects[role] = ("staff", enrolled.staff.id)
        entity = await make_entity(self.rt, phone="15012340099")
        self.subjects[ENTITY] = ("entity", entity.id)

    async def token(self, caller: str) -> str | None:
        if caller == ANONYMOUS:
            return None
        kind, subject_id = self.subjects[caller]
        return (await Sessions(self.rt).issue(kind, subject_id, "password", ClientInfo("192.0.2.1"))).token

    async def api_token(self, caller: str, scopes: list[str]) -> str:
        username = f"m-{caller}"
        issued = await ApiTokens(self.rt).create(
            staff_username=username, name="matrix", scopes=scopes, expires_in_days=1
        )
        return issued.token


@pytest.fixture
def settings(make_settings):
    return make_settings(client_failure_limit=10_000, login_captcha_after=10_000)


@pytest.fixture
async def callers(rt) -> Callers:
    found = Callers(rt)
    await found.set_up()
    return found


def test_every_root_field_has_an_expectation():
    fields = set(root_fields())
    missing = sorted(fields - set(EXPECTATIONS))
    stale = sorted(set(EXPECTATIONS) - fields)
    assert not missing, f"root fields without an access expectation (add a line to EXPECTATIONS): {missing}"
    assert not stale, f"expectations for fields that no longer exist: {stale}"


def test_staff_scopes_match_graph_permissions():
    from graph.permissions import STAFF_FIELDS

    for name, expectation in EXPECTATIONS.items():
        if expectation.scope is not None:
            assert name in STAFF_FIELDS and STAFF_FIELDS[name].scope == expectation.scope, name
            assert STAFF_FIELDS[name].sessions_only == (not expectation.tokens), name
            assert expectation.scope in SCOPES
    assert set(STAFF_FIELDS) <= set(EXPECTATIONS)


async def test_access_matrix(api, callers):
    mismatches = []
    for name, (operation, field) in sorted(root_fields().items()):
        expectation = EXPECTATIONS[name]
        query = document(name, operation, field, expectation.args)
        for caller in CALLERS:
            body = await call(api, query, await callers.token(caller), expectation.upload)
            want = "allow" if caller in expectation.allow else "deny"
            got = verdict(body, name)
            if got != want:
                mismatches.append(
                    f"{name} as {caller}: expected {want}, got {got}: {json.dumps(body, ensure_ascii=False)[:300]}"
                )
    assert not mismatches, "\n".join(mismatches)


async def test_api_token_scopes_per_staff_field(api, callers):
    problems = []
    for name, (operation, field) in sorted(root_fields().items()):
        expectation = EXPECTATIONS[name]
        if expectation.scope is None:
            continue
        query = document(name, operation, field, expectation.args)
        others = [scope for scope in SCOPES if scope != expectation.scope]
        outside = verdict(await api.gql(query, token=await callers.api_token(ADMINISTRATOR, others)), name)
        inside = verdict(await api.gql(query, token=await callers.api_token(ADMINISTRATOR, [expectation.scope])), name)
        if name in SCOPE_PENDING:
            if outside == "deny":
                problems.append(f"{name} enforces its scope now: remove it from SCOPE_PENDING")
            continue
        if not expectation.tokens:
            if (outside, inside) != ("deny", "deny"):
                problems.append(f"{name} is for sessions only: outside its scope {outside}, inside {inside}")
            continue
        if (outside, inside) != ("deny", "allow"):
            problems.append(f"{name}: outside its scope {outside}, inside {inside}")
    assert not problems, "\n".join(problems)


SELECT_ERROR = "{ __typename ... on Error { code message field } }"


def _by_id(field: str, key: str) -> str:
    return "mutation($id: ID!){ " + field + "(input: {" + key + ": $id}) " + SELECT_ERROR + " }"


OTHERS_RECORDS = [
    (field, key, _by_id(field, key))
    for field, key in (("endSession", "sessionId"), ("unlockAccount", "personId"), ("endPersonSessions", "personId"))
]


async def test_another_persons_record_answers_like_a_missing_one(api, callers, rt):
    """Person 2 names person 1's session or account: the answer is the one for an id that does not exist."""
    kind, person1 = callers.subjects[PERSON1]
    session1 = (await Sessions(rt).issue(kind, person1, "password", ClientInfo("192.0.2.1"))).session
    real = {"sessionId": str(session1.id), "personId": str(person1)}
    for name, key, query in OTHERS_RECORDS:
        token = await callers.token(PERSON2)
        theirs = await api.gql(query, {"id": real[key]}, token=token)
        missing = await api.gql(query, {"id": str(uuid.uuid4())}, token=token)
        assert theirs == missing, name
        assert verdict(theirs, name) == "deny" or theirs["data"][name]["code"] == "NOT_FOUND", theirs
    assert (await Session.get(id=session1.id)).revoked_at is None  # person 1's session was left alone


async def test_operator_gets_not_found_only_for_unknown_persons(api, callers):
    token = await callers.token(OPERATOR)
    _, person1 = callers.subjects[PERSON1]
    for name, _, query in OTHERS_RECORDS[1:]:
        known = (await api.gql(query, {"id": str(person1)}, token=token))["data"][name]
        unknown = (await api.gql(query, {"id": str(uuid.uuid4())}, token=token))["data"][name]
        assert known["__typename"] != "FieldError" and unknown["code"] == "NOT_FOUND"
