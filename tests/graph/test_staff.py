"""A2 through HTTP: staff TOTP login, API tokens for scripts (scope, expiry, revocation), staff operations."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support import resident_id, staff_token
from uidp.models.audit import AuditEvent
from uidp.models.person import Person
from uidp.models.staff_token import StaffApiToken
from uidp.security.totp import b32decode, totp
from uidp.services.api_tokens import ApiTokens
from uidp.services.staff import StaffService

pytestmark = pytest.mark.anyio
STAFF_PASSWORD = "Staff#2026pw"

LOGIN_STAFF = """mutation($i: LoginStaffInput!){ loginStaff(input:$i){ __typename
  ... on LoginSuccess { token viewer { __typename ... on StaffMember { username roles } } }
  ... on LoginFailed { code field captchaRequired } ... on Error { code field } } }"""
CREATE_STAFF = """mutation($i: CreateStaffInput!){ createStaff(input:$i){ __typename
  ... on StaffCreated { otpauthUri staff { username roles displayName } } ... on Error { code field message } } }"""
CREATE_TOKEN = """mutation($i: CreateApiTokenInput!){ createApiToken(input:$i){ __typename
  ... on ApiTokenCreated { token apiToken { id staffUsername name scopes expiresAt lastUsedAt revokedAt } }
  ... on Error { code field } } }"""
REVOKE_TOKEN = """mutation($i: RevokeApiTokenInput!){ revokeApiToken(input:$i){ __typename
  ... on ApiTokenRevoked { apiToken { id revokedAt } } ... on Error { code field } } }"""
UPSERT = """mutation($i: UpsertServiceItemInput!){ upsertServiceItem(input:$i){ __typename
  ... on ServiceItemSaved { item { code name delegable active } } ... on Error { code field message } } }"""
RETIRE = """mutation($i: RetireServiceItemInput!){ retireServiceItem(input:$i){ __typename
  ... on ServiceItemRetired { item { code active } } ... on Error { code field } } }"""
ITEMS = "query($r: Boolean){ serviceItems(includeRetired: $r) { code name delegable active } }"
UNLOCK = """mutation($i: UnlockAccountInput!){ unlockAccount(input:$i){ __typename
  ... on AccountUnlocked { personId } ... on Error { code field message } } }"""
END_SESSIONS = """mutation($i: EndPersonSessionsInput!){ endPersonSessions(input:$i){ __typename
  ... on PersonSessionsEnded { personId count } ... on Error { code field message } } }"""
IMPORT = """mutation($i: ImportPersonsInput!){ importPersons(input:$i){ __typename
  ... on PersonsImported { created errors { line field message } } ... on Error { code field } } }"""
AUDIT = "{ auditEvents(first: 5) { edges { node { eventType } } } }"


async def login_staff(api, username: str, password: str = STAFF_PASSWORD, code: str | None = None) -> dict:
    variables = {"username": username, "password": password}
    if code is not None:
        variables["totpCode"] = code
    return (await api.data(LOGIN_STAFF, {"i": variables}))["loginStaff"]


async def test_create_staff_then_log_in_with_the_enrolled_code(api, rt, clock):
    admin = await staff_token(rt, "administrator", username="root")
    created = (
        await api.data(
            CREATE_STAFF,
            {"i": {"username": "Bob", "password": STAFF_PASSWORD, "roles": ["OPERATOR"], "displayName": "鲍勃"}},
            token=admin,
        )
    )["createStaff"]
    assert created["staff"] == {"username": "bob", "roles": ["operator"], "displayName": "鲍勃"}
    uri = urlparse(created["otpauthUri"])
    secret = b32decode(parse_qs(uri.query)["secret"][0])
    assert uri.scheme == "otpauth" and "bob" in uri.path

    assert await login_staff(api, "bob") == {
        "__typename": "LoginFailed",
        "code": "SECOND_FACTOR_REQUIRED",
        "field": "totpCode",
        "captchaRequired": False,
    }
    wrong = await login_staff(api, "bob", code="12345x")
    assert (wrong["__typename"], wrong["code"]) == ("LoginFailed", "SECOND_FACTOR_INVALID")
    bad_password = await login_staff(api, "bob", "Wrong#2026pw", code=totp(secret, clock.now()))
    assert bad_password["code"] == "INVALID_CREDENTIALS"
    ok = await login_staff(api, "bob", code=totp(secret, clock.now()))
    assert ok["viewer"] == {"__typename": "StaffMember", "username": "bob", "roles": ["operator"]}
    replay = await login_staff(api, "bob", code=totp(secret, clock.now()))
    assert replay["code"] == "SECOND_FACTOR_INVALID"
    event = await AuditEvent.get(event_type="staff.created", actor_kind="staff")
    assert event.details["username"] == "bob"
    assert str(secret) not in str(event.details) and parse_qs(uri.query)["secret"][0] not in str(event.details)


async def test_create_staff_bad_input(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    cases = [
        ({"username": "root", "password": STAFF_PASSWORD, "roles": ["REVIEWER"]}, "ALREADY_EXISTS", "username"),
        ({"username": "x y", "password": STAFF_PASSWORD, "roles": ["REVIEWER"]}, "INVALID_FORMAT", "username"),
        ({"username": "carol", "password": "weak", "roles": ["REVIEWER"]}, "WEAK_PASSWORD", "password"),
        ({"username": "carol", "password": STAFF_PASSWORD, "roles": []}, "REQUIRED", "roles"),
    ]
    for form, code, field in cases:
        result = (await api.data(CREATE_STAFF, {"i": form}, token=admin))["createStaff"]
        assert (result["__typename"], result["code"], result["field"]) == ("FieldError", code, field), form
    assert await StaffService(rt).by_username("carol") is None


async def test_api_token_acts_within_its_scopes(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    created = (
        await api.data(
            CREATE_TOKEN, {"i": {"name": "catalogue sync", "scopes": ["catalogue"], "expiresInDays": 7}}, token=admin
        )
    )["createApiToken"]
    token = created["token"]
    assert token.startswith("uidp_pat_") and created["apiToken"]["staffUsername"] == "root"
    assert created["apiToken"]["scopes"] == ["catalogue"] and created["apiToken"]["lastUsedAt"] is None
    assert await StaffApiToken.filter(token_hash=token).count() == 0

    saved = await api.data(UPSERT, {"i": {"code": "tax", "name": "税务", "delegable": True}}, token=token)
    assert saved["upsertServiceItem"]["item"] == {"code": "TAX", "name": "税务", "delegable": True, "active": True}
    outside = (await api.data(UNLOCK, {"i": {"personId": str(uuid.uuid4())}}, token=token))["unlockAccount"]
    assert (outside["__typename"], outside["code"]) == ("Forbidden", "TOKEN_SCOPE")
    audit = await api.gql(AUDIT, token=token)
    assert audit["data"] is None and audit["errors"][0]["extensions"]["code"] == "TOKEN_SCOPE"
    me = await api.me(token)
    assert me == {"__typename": "StaffMember", "username": "root", "roles": ["administrator"]}
    event = await AuditEvent.get(event_type="service_item.saved")
    assert event.actor_kind == "staff"
    record = await StaffApiToken.get(id=created["apiToken"]["id"])
    assert record.last_used_at is not None


async def test_token_past_its_expiry_is_refused(api, rt, clock):
    await staff_token(rt, "administrator", username="root")
    issued = await ApiTokens(rt).create(staff_username="root", name="old", scopes=["audit"], expires_in_days=1)
    assert "errors" not in await api.gql(AUDIT, token=issued.token)
    clock.advance(86400)
    expired = await api.gql(AUDIT, token=issued.token)
    assert expired["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED" and expired["data"] is None
    union = (await api.data(RETIRE, {"i": {"code": "X"}}, token=issued.token))["retireServiceItem"]
    assert (union["__typename"], union["code"]) == ("Forbidden", "TOKEN_EXPIRED")
    public = await api.data("mutation { requestCaptcha { id } }", token=issued.token)
    assert public["requestCaptcha"]["id"]


async def test_revoked_token_is_anonymous(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    created = (
        await api.data(CREATE_TOKEN, {"i": {"name": "t", "scopes": ["audit"], "expiresInDays": 1}}, token=admin)
    )["createApiToken"]
    revoked = await api.data(REVOKE_TOKEN, {"i": {"tokenId": created["apiToken"]["id"]}}, token=admin)
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"]
    again = await api.data(REVOKE_TOKEN, {"i": {"tokenId": created["apiToken"]["id"]}}, token=admin)
    assert again["revokeApiToken"]["code"] == "NOT_FOUND"
    refused = await api.gql(AUDIT, token=created["token"])
    assert refused["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_token_bad_input_and_for_another_staff(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    await staff_token(rt, "reviewer", username="rita")
    for form, code, field in [
        ({"name": "t", "scopes": ["root"], "expiresInDays": 1}, "INVALID_FORMAT", "scopes"),
        ({"name": "t", "scopes": ["audit"], "expiresInDays": 400}, "INVALID_FORMAT", "expiresInDays"),
        ({"name": "t", "scopes": ["audit"], "staffUsername": "ghost"}, "NOT_FOUND", "staffUsername"),
    ]:
        result = (await api.data(CREATE_TOKEN, {"i": form}, token=admin))["createApiToken"]
        assert (result["code"], result["field"]) == (code, field)
    for_rita = (
        await api.data(
            CREATE_TOKEN, {"i": {"name": "t", "scopes": ["review", "audit"], "staffUsername": "Rita"}}, token=admin
        )
    )["createApiToken"]
    # a token never exceeds its staff member's roles: rita is no administrator
    audit = await api.gql(AUDIT, token=for_rita["token"])
    assert audit["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_catalogue_through_http(api, rt):
    operator = await staff_token(rt, "operator", username="op")
    for code in ("B.ITEM", "A.ITEM"):
        await api.data(UPSERT, {"i": {"code": code, "name": "事项" + code, "delegable": False}}, token=operator)
    bad = (await api.data(UPSERT, {"i": {"code": "坏", "name": "x"}}, token=operator))["upsertServiceItem"]
    assert (bad["code"], bad["field"]) == ("INVALID_FORMAT", "code")
    retired = (await api.data(RETIRE, {"i": {"code": "b.item"}}, token=operator))["retireServiceItem"]
    assert retired["item"] == {"code": "B.ITEM", "active": False}
    missing = (await api.data(RETIRE, {"i": {"code": "NONE"}}, token=operator))["retireServiceItem"]
    assert missing["code"] == "NOT_FOUND"
    public = (await api.data(ITEMS))["serviceItems"]
    assert public == [{"code": "A.ITEM", "name": "事项A.ITEM", "delegable": False, "active": True}]
    assert len((await api.data(ITEMS, {"r": True}))["serviceItems"]) == 2


async def test_import_unlock_and_end_sessions_through_http(api, rt):
    operator = await staff_token(rt, "operator", username="op")
    csv_text = (
        "name,certificate_type,certificate_number,phone\n"
        f"陈心,,{resident_id()},15012340058\n"
        f"王五,,{resident_id(seq='131')},1501234\n"
    )
    imported = (await api.data(IMPORT, {"i": {"csv": csv_text}}, token=operator))["importPersons"]
    assert imported["created"] == 1 and [(e["line"], e["field"]) for e in imported["errors"]] == [(3, "phone")]
    assert "1501234" not in imported["errors"][0]["message"]
    person = await Person.first()
    unlocked = (await api.data(UNLOCK, {"i": {"personId": str(person.id)}}, token=operator))["unlockAccount"]
    assert unlocked == {"__typename": "AccountUnlocked", "personId": str(person.id)}
    ended = (await api.data(END_SESSIONS, {"i": {"personId": str(person.id)}}, token=operator))["endPersonSessions"]
    assert ended["count"] == 0
    for bad_id in (str(uuid.uuid4()), "not-an-id"):
        for query, name in ((UNLOCK, "unlockAccount"), (END_SESSIONS, "endPersonSessions")):
            missing = (await api.data(query, {"i": {"personId": bad_id}}, token=operator))[name]
            assert (missing["__typename"], missing["code"], missing["field"]) == ("FieldError", "NOT_FOUND", "personId")
    actions = {e.event_type for e in await AuditEvent.filter(actor_kind="staff")}
    assert {"persons.imported", "account.unlocked", "sessions.ended_by_staff"} <= actions


async def test_reviewer_may_not_run_operator_actions(api, rt):
    reviewer = await staff_token(rt, "reviewer", username="rev")
    result = (await api.data(IMPORT, {"i": {"csv": "name\n"}}, token=reviewer))["importPersons"]
    assert (result["__typename"], result["code"]) == ("Forbidden", "FORBIDDEN")
    anonymous = (await api.data(IMPORT, {"i": {"csv": "name\n"}}))["importPersons"]
    assert anonymous["__typename"] == "NotAuthenticated"


LIST_TOKENS = "query($u: String){ apiTokens(staffUsername: $u) { id staffUsername name scopes revokedAt } }"


async def test_a_token_cannot_mint_a_wider_token_and_tokens_are_listed(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    issued = await ApiTokens(rt).create(staff_username="root", name="ops", scopes=["staff"], expires_in_days=1)
    wider = (await api.data(CREATE_TOKEN, {"i": {"name": "w", "scopes": ["staff", "audit"]}}, token=issued.token))[
        "createApiToken"
    ]
    assert (wider["code"], wider["field"]) == ("TOKEN_SCOPE", "scopes")
    same = await api.data(CREATE_TOKEN, {"i": {"name": "s", "scopes": ["staff"]}}, token=issued.token)
    assert same["createApiToken"]["__typename"] == "ApiTokenCreated"
    listed = (await api.data(LIST_TOKENS, {"u": "ROOT"}, token=admin))["apiTokens"]
    assert sorted(t["name"] for t in listed) == ["ops", "s"] and all(t["staffUsername"] == "root" for t in listed)
    assert "uidp_pat_" not in str(listed)
    assert (await api.data(LIST_TOKENS, {"u": "nobody"}, token=admin))["apiTokens"] == []
