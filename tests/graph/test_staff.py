"""A2 through HTTP: staff TOTP login, API tokens for scripts (scope, expiry, revocation), staff operations."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.support import register_person, resident_id, staff_token
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.person import Person
from uidp.models.session import Session
from uidp.models.staff_token import StaffApiToken
from uidp.security.tokens import token_digest
from uidp.services.auth.api_tokens import ApiTokens
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.principal import ClientInfo
from uidp.services.staff.staff import StaffService

pytestmark = pytest.mark.anyio
STAFF_PASSWORD = "Staff#2026pw"

LOGIN_STAFF = """mutation($i: LoginStaffInput!){ loginStaff(input:$i){ __typename
  ... on LoginSuccess { token viewer { __typename ... on StaffMember { username roles } } }
  ... on LoginFailed { code field captchaRequired } ... on Error { code field } } }"""
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


async def test_token_bad_input(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    for form, code, field in [
        ({"name": "t", "scopes": ["root"], "expiresInDays": 1}, "INVALID_FORMAT", "scopes"),
        ({"name": "t", "scopes": ["audit"], "expiresInDays": 400}, "INVALID_FORMAT", "expiresInDays"),
        ({"name": "", "scopes": ["audit"]}, "INVALID_FORMAT", "name"),
    ]:
        result = (await api.data(CREATE_TOKEN, {"i": form}, token=admin))["createApiToken"]
        assert (result["code"], result["field"]) == (code, field)
    assert await StaffApiToken.all().count() == 0


async def test_tokens_are_minted_by_and_for_the_caller_only(api, rt):
    """A reviewer mints a token for themselves only; it never exceeds their roles; naming another is refused."""
    await staff_token(rt, "administrator", username="root")
    rita = await staff_token(rt, "reviewer", username="rita")
    named = await api.gql(CREATE_TOKEN, {"i": {"name": "t", "scopes": ["review"], "staffUsername": "root"}}, token=rita)
    assert named["data"] is None and named["errors"]  # the input has no way to name anyone else
    own = (await api.data(CREATE_TOKEN, {"i": {"name": "t", "scopes": ["review", "audit"]}}, token=rita))[
        "createApiToken"
    ]
    assert own["apiToken"]["staffUsername"] == "rita"
    audit = await api.gql(AUDIT, token=own["token"])
    assert audit["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # rita is no administrator
    assert {(await StaffService(rt).get(row.staff_id)).username for row in await StaffApiToken.all()} == {"rita"}
    # the service refuses too, whoever the caller names
    rita_principal = await Sessions(rt).principal(rita)
    with pytest.raises(DomainError) as refused:
        await ApiTokens(rt).create(
            staff_username="root", name="x", scopes=["audit"], expires_in_days=1, actor=rita_principal
        )
    assert (refused.value.code, refused.value.field) == (ErrorCode.FORBIDDEN, "staffUsername")


async def test_tokens_of_others_are_neither_listed_nor_revoked_by_non_administrators(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    rita = await staff_token(rt, "reviewer", username="rita")
    roots = (await api.data(CREATE_TOKEN, {"i": {"name": "root's", "scopes": ["audit"]}}, token=admin))[
        "createApiToken"
    ]
    ritas = (await api.data(CREATE_TOKEN, {"i": {"name": "rita's", "scopes": ["review"]}}, token=rita))[
        "createApiToken"
    ]
    listed = (await api.data(LIST_TOKENS, token=rita))["apiTokens"]
    assert [t["name"] for t in listed] == ["rita's"]
    assert (await api.data(LIST_TOKENS, {"u": "root"}, token=rita))["apiTokens"] == []
    theirs = await api.data(REVOKE_TOKEN, {"i": {"tokenId": roots["apiToken"]["id"]}}, token=rita)
    assert theirs["revokeApiToken"]["code"] == "NOT_FOUND"
    assert "errors" not in await api.gql(AUDIT, token=roots["token"])  # root's token still works
    mine = await api.data(REVOKE_TOKEN, {"i": {"tokenId": ritas["apiToken"]["id"]}}, token=rita)
    assert mine["revokeApiToken"]["apiToken"]["revokedAt"]
    everyone = (await api.data(LIST_TOKENS, token=admin))["apiTokens"]
    assert sorted(t["name"] for t in everyone) == ["rita's", "root's"]


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


async def test_a_token_cannot_mint_tokens_and_tokens_are_listed(api, rt):
    """A leaked token must not outlive its revocation by minting a successor, not even a narrower one."""
    admin = await staff_token(rt, "administrator", username="root")
    issued = await ApiTokens(rt).create(staff_username="root", name="ops", scopes=["staff"], expires_in_days=1)
    for scopes in (["staff", "audit"], ["staff"]):
        minted = (await api.data(CREATE_TOKEN, {"i": {"name": "w", "scopes": scopes}}, token=issued.token))[
            "createApiToken"
        ]
        assert (minted["__typename"], minted["code"]) == ("Forbidden", "API_TOKEN_NOT_A_SESSION")
    assert await StaffApiToken.all().count() == 1
    await api.data(CREATE_TOKEN, {"i": {"name": "s", "scopes": ["staff"]}}, token=admin)
    listed = (await api.data(LIST_TOKENS, {"u": "ROOT"}, token=issued.token))["apiTokens"]
    assert sorted(t["name"] for t in listed) == ["ops", "s"] and all(t["staffUsername"] == "root" for t in listed)
    assert "uidp_pat_" not in str(listed)
    assert (await api.data(LIST_TOKENS, {"u": "nobody"}, token=admin))["apiTokens"] == []


LOGOUT = "mutation { logout { __typename ... on Error { code message } } }"


async def test_logout_with_an_api_token_refuses_and_the_token_lives_on(api, rt):
    await staff_token(rt, "administrator", username="root")
    issued = await ApiTokens(rt).create(staff_username="root", name="ops", scopes=["audit"], expires_in_days=1)
    refused = (await api.data(LOGOUT, token=issued.token))["logout"]
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "API_TOKEN_NOT_A_SESSION")
    assert "revokeApiToken" in refused["message"]
    assert "errors" not in await api.gql(AUDIT, token=issued.token)
    assert await AuditEvent.filter(event_type="logout").count() == 0


async def test_staff_sessions_time_out_sooner_than_persons(api, rt, clock, settings):
    staff = await staff_token(rt, "reviewer", username="rev")
    person_id = (await register_person(rt, ClientInfo("192.0.2.1"))).id
    person = (await Sessions(rt).issue("person", person_id, "password", ClientInfo("192.0.2.1"))).token
    clock.advance(settings.staff_session_idle_minutes * 60)
    assert await api.me(staff) is None  # idle too long for staff
    assert (await api.me(person))["__typename"] == "PersonAccount"
    fresh = await staff_token(rt, "reviewer", username="rev2")
    row = await Session.get(token_hash=token_digest(fresh))
    assert row.expires_at - row.created_at == timedelta(hours=settings.staff_session_absolute_hours)
    for _ in range(settings.staff_session_absolute_hours * 60 // 10):
        clock.advance(600)  # busy all day, never idle, still ends at the staff absolute lifetime
        alive = await api.me(fresh)
        if alive is None:
            break
    assert clock.now() - row.created_at == timedelta(hours=settings.staff_session_absolute_hours)
    assert settings.staff_session_absolute_hours < settings.session_absolute_hours
