"""GET / POST /oidc/userinfo through HTTP: DPoP-bound tokens with their proof (ath, htm, htu, key, nonce), bearer
tokens of basic clients, and every way a token stops opening the claims (revocation rule)."""

from __future__ import annotations

import pytest

from tests.services.oidc.logins import PERSON_NAME, entity_login, person_login, proxy_login
from tests.services.oidc.rp import Rp
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization
from uidp.services.auth.sessions import Sessions
from uidp.services.oidc.tokens import TokenService
from uidp.services.shared.erasure import erase_person

pytestmark = pytest.mark.anyio


async def tokens(rt, rp: Rp, login, **grant) -> dict:
    code, verifier = await rp.code(login, **grant)
    return await TokenService(rt).exchange(await rp.request(rp.code_form(code, verifier)))


async def userinfo(client, rp: Rp, access_token: str, *, method: str = "GET", scheme: str = "DPoP", proof=True):
    headers = {"authorization": f"{scheme} {access_token}"}
    if proof is True:
        proof = await rp.proof(method, "/oidc/userinfo", access_token=access_token)
    if proof:
        headers["dpop"] = proof
    return await client.request(method, "/oidc/userinfo", headers=headers)


def challenge(answer) -> str:
    return answer.headers.get("www-authenticate", "")


async def test_userinfo_with_a_dpop_bound_token_by_get_and_post(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    for method in ("GET", "POST"):
        answer = await userinfo(client, rp, issued["access_token"], method=method)
        assert answer.status_code == 200, answer.text
        assert answer.json()["name"] == PERSON_NAME and answer.headers["cache-control"] == "no-store"


async def test_a_basic_clients_bearer_token(client, rt):
    rp, login = await Rp.basic(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    answer = await userinfo(client, rp, issued["access_token"], scheme="Bearer", proof=None)
    assert answer.status_code == 200 and answer.json()["sub"]
    as_dpop = await userinfo(client, rp, issued["access_token"], scheme="DPoP", proof=None)
    assert as_dpop.status_code == 401 and as_dpop.json()["error"] == "invalid_token"


async def test_a_stolen_bound_token_without_the_key_opens_nothing(client, rt):
    """The thief has the access token, not the private key it is bound to."""
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    as_bearer = await userinfo(client, rp, issued["access_token"], scheme="Bearer", proof=None)
    assert as_bearer.status_code == 401 and as_bearer.json()["error"] == "invalid_token"
    assert challenge(as_bearer).startswith('Bearer error="invalid_token"')
    thief = Rp(rt, rp.client)
    own_key = await userinfo(client, thief, issued["access_token"])
    assert own_key.status_code == 401 and own_key.json()["error"] == "invalid_dpop_proof"
    assert challenge(own_key).startswith("DPoP ")
    assert await AuditEvent.filter(event_type="oidc.userinfo_refused").exists()


@pytest.mark.parametrize("bad", ["no_proof", "wrong_ath", "wrong_htm", "wrong_htu", "no_nonce"])
async def test_every_proof_check_at_userinfo(client, rt, bad):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    issued = await tokens(rt, rp, login)
    token = issued["access_token"]
    proof = {
        "no_proof": None,
        "wrong_ath": await rp.proof("GET", "/oidc/userinfo", access_token=token + "x"),
        "wrong_htm": await rp.proof("POST", "/oidc/userinfo", access_token=token),
        "wrong_htu": await rp.proof("GET", "/oidc/token", access_token=token),
        "no_nonce": await rp.proof("GET", "/oidc/userinfo", access_token=token, nonce=None),
    }[bad]
    answer = await userinfo(client, rp, token, proof=proof)
    assert answer.status_code == 401
    expected = "use_dpop_nonce" if bad == "no_nonce" else "invalid_dpop_proof"
    assert answer.json()["error"] == expected and f'error="{expected}"' in challenge(answer)
    if bad == "no_nonce":
        assert answer.headers["dpop-nonce"]


async def test_a_replayed_proof_is_refused(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    token = (await tokens(rt, rp, login))["access_token"]
    proof = await rp.proof("GET", "/oidc/userinfo", access_token=token)
    assert (await userinfo(client, rp, token, proof=proof)).status_code == 200
    again = await userinfo(client, rp, token, proof=proof)
    assert again.status_code == 401 and again.json()["error"] == "invalid_dpop_proof"


async def test_no_or_a_foreign_token(client, rt):
    missing = await client.get("/oidc/userinfo")
    assert missing.status_code == 401 and challenge(missing).startswith("Bearer ")
    forged = await client.get("/oidc/userinfo", headers={"authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_token"


async def test_an_expired_access_token(client, rt, clock):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    token = (await tokens(rt, rp, login))["access_token"]
    clock.advance(301)
    answer = await userinfo(client, rp, token)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"


async def test_logout_cancellation_and_revocation_end_userinfo_at_once(client, rt):
    rp = await Rp.fapi(rt)
    login = await person_login(rt)
    token = (await tokens(rt, rp, login))["access_token"]
    await Sessions(rt).revoke(login.session, "logout")
    assert (await userinfo(client, rp, token)).json()["error"] == "invalid_token"

    other = await person_login(rt, phone="15012345602", seq="182")
    token = (await tokens(rt, rp, other))["access_token"]
    assert (await userinfo(client, rp, token)).status_code == 200
    await erase_person(other.person.id)
    cancelled = await userinfo(client, rp, token)
    assert cancelled.status_code == 401 and cancelled.json()["error"] == "invalid_token"
    assert "陈" not in cancelled.text


async def test_a_withdrawn_consent_ends_userinfo(client, rt, clock):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    token = (await tokens(rt, rp, login))["access_token"]
    await OidcAuthorization.all().update(revoked_at=clock.now(), revoked_reason="consent_revoked")
    assert (await userinfo(client, rp, token)).status_code == 401


async def test_entity_and_proxy_userinfo(client, rt):
    rp = await Rp.fapi(rt)
    entity = await entity_login(rt)
    answer = await userinfo(client, rp, (await tokens(rt, rp, entity))["access_token"])
    assert set(answer.json()) == {"sub", "entity_name", "credit_code", "level"}


async def test_proxy_userinfo_carries_the_delegation(client, rt):
    rp = await Rp.fapi(rt)
    login = await proxy_login(rt)
    answer = await userinfo(client, rp, (await tokens(rt, rp, login))["access_token"])
    body = answer.json()
    assert body["act"]["sub"] and body["delegation"]["service_items"] == ["social", "tax"]


async def test_a_token_without_openid_may_not_read_userinfo(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    token = (await tokens(rt, rp, login, scopes=["profile"]))["access_token"]
    answer = await userinfo(client, rp, token)
    assert answer.status_code == 403 and answer.json()["error"] == "insufficient_scope"
