"""POST /oidc/revoke (RFC 7009) and POST /oidc/introspect (RFC 7662) through HTTP: a client's own tokens only."""

from __future__ import annotations

import pytest

from tests.services.oidc.logins import person_login, proxy_login
from tests.services.oidc.rp import Rp
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization
from uidp.services.oidc.tokens import TokenService

pytestmark = pytest.mark.anyio


async def tokens(rt, rp: Rp, login, **grant) -> dict:
    code, verifier = await rp.code(login, **grant)
    return await TokenService(rt).exchange(await rp.request(rp.code_form(code, verifier)))


async def post(client, rp: Rp, path: str, **form: str):
    fields, header = rp.auth()
    return await client.post(path, data={**fields, **form}, headers={"authorization": header} if header else {})


async def userinfo_status(client, rp: Rp, token: str) -> int:
    proof = await rp.proof("GET", "/oidc/userinfo", access_token=token)
    answer = await client.get("/oidc/userinfo", headers={"authorization": f"DPoP {token}", "dpop": proof})
    return answer.status_code


async def test_revoking_a_refresh_token_revokes_its_authorization(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    answer = await post(client, rp, "/oidc/revoke", token=issued["refresh_token"], token_type_hint="refresh_token")
    assert answer.status_code == 200 and answer.content == b""
    assert (await OidcAuthorization.get()).revoked_reason == "client_revoked"
    assert await userinfo_status(client, rp, issued["access_token"]) == 401
    assert await AuditEvent.filter(event_type="oidc.authorization_revoked").exists()


async def test_revoking_an_access_token_ends_that_token(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    answer = await post(client, rp, "/oidc/revoke", token=issued["access_token"])
    assert answer.status_code == 200
    assert await userinfo_status(client, rp, issued["access_token"]) == 401
    assert (await OidcAuthorization.get()).revoked_at is None  # the refresh token still works
    refreshed = await TokenService(rt).exchange(await rp.request(rp.refresh_form(issued["refresh_token"])))
    assert await userinfo_status(client, rp, refreshed["access_token"]) == 200


async def test_another_clients_or_an_unknown_token_is_answered_200_and_kept(client, rt):
    rp, other, login = await Rp.fapi(rt), await Rp.basic(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    for token in (issued["refresh_token"], issued["access_token"], "no-such-token"):
        assert (await post(client, other, "/oidc/revoke", token=token)).status_code == 200
    assert (await OidcAuthorization.get()).revoked_at is None
    assert await userinfo_status(client, rp, issued["access_token"]) == 200


async def test_revocation_needs_client_authentication_and_a_token(client, rt):
    rp = await Rp.basic(rt)
    anonymous = await client.post("/oidc/revoke", data={"token": "x"})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    assert (await post(client, rp, "/oidc/revoke")).json()["error"] == "invalid_request"


async def test_introspection_of_the_clients_own_tokens(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    access = (await post(client, rp, "/oidc/introspect", token=issued["access_token"])).json()
    assert access["active"] is True and access["token_type"] == "DPoP"
    assert access["client_id"] == rp.row.client_id and access["cnf"] == {"jkt": rp.jkt}
    assert access["iss"] == rt.settings.oidc_issuer and access["scope"] == issued["scope"] and access["sub"]
    refresh = (await post(client, rp, "/oidc/introspect", token=issued["refresh_token"])).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token" and refresh["sub"] == access["sub"]


async def test_introspection_says_inactive_for_everything_else(client, rt, clock):
    rp, other, login = await Rp.fapi(rt), await Rp.basic(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    for token in (issued["access_token"], issued["refresh_token"], "unknown"):
        answer = await post(client, other, "/oidc/introspect", token=token)
        assert answer.status_code == 200 and answer.json() == {"active": False}
    await post(client, rp, "/oidc/revoke", token=issued["refresh_token"])
    for token in (issued["access_token"], issued["refresh_token"]):
        assert (await post(client, rp, "/oidc/introspect", token=token)).json() == {"active": False}


async def test_introspection_of_an_expired_or_used_token(client, rt, clock):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    await TokenService(rt).exchange(await rp.request(rp.refresh_form(issued["refresh_token"])))
    assert (await post(client, rp, "/oidc/introspect", token=issued["refresh_token"])).json() == {"active": False}
    clock.advance(301)
    assert (await post(client, rp, "/oidc/introspect", token=issued["access_token"])).json() == {"active": False}


async def test_introspection_of_a_proxy_token_carries_act_and_delegation(client, rt):
    rp, login = await Rp.fapi(rt), await proxy_login(rt)
    issued = await tokens(rt, rp, login)
    answer = (await post(client, rp, "/oidc/introspect", token=issued["access_token"])).json()
    assert answer["active"] and answer["act"]["sub"] and answer["delegation"]["service_items"] == ["social", "tax"]


async def test_introspection_needs_client_authentication(client, rt):
    answer = await client.post("/oidc/introspect", data={"token": "x"})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
