"""The token endpoint's service: the authorization_code grant (PKCE, DPoP, the code's bindings, the login it
rests on) and the refresh_token grant (rotation, reuse revoking the family), with what it issues and refuses."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from tests.services.oidc.logins import entity_login, person_login, proxy_login
from tests.services.oidc.rp import Rp
from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc import OAuthError
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization, OidcToken
from uidp.services.auth.sessions import Sessions
from uidp.services.oidc.access_tokens import at_hash
from uidp.services.oidc.claims import pairwise_sub
from uidp.services.oidc.keys import SigningKeys
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.tokens import TokenService
from uidp.services.shared.erasure import erase_person

pytestmark = pytest.mark.anyio


async def refused(rt, request, error: OAuthError) -> OAuthProblem:
    with pytest.raises(OAuthProblem) as caught:
        await TokenService(rt).exchange(request)
    assert caught.value.error == error, caught.value
    return caught.value


async def nothing_issued() -> None:
    assert await OidcAuthorization.all().count() == 0
    assert await OidcToken.all().count() == 0


async def exchanged(rt, rp: Rp, login, **grant):
    code, verifier = await rp.code(login, **grant)
    return await TokenService(rt).exchange(await rp.request(rp.code_form(code, verifier)))


async def test_a_fapi_client_gets_dpop_bound_tokens_for_a_person(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    answer = await exchanged(rt, rp, login)
    assert answer["token_type"] == "DPoP" and answer["expires_in"] == 300
    assert set(answer) == {"access_token", "token_type", "expires_in", "refresh_token", "id_token", "scope"}
    keys, issuer, now = SigningKeys(rt), rt.settings.oidc_issuer, int(rt.clock.now().timestamp())
    sub = pairwise_sub(rt, rp.row, SubjectKind.PERSON, login.person.id)
    access = await keys.verify(answer["access_token"], typ="at+jwt")
    assert access["iss"] == issuer and access["aud"] == issuer and access["client_id"] == rp.row.client_id
    assert access["sub"] == sub and access["iat"] == now and access["exp"] == now + 300
    assert access["cnf"] == {"jkt": rp.jkt} and access["acr"] == "urn:uidp:level:1"
    assert access["scope"] == answer["scope"] and "openid" in access["scope"].split()
    assert access["auth_time"] == int(login.session.created_at.timestamp()) and len(access["jti"]) >= 16
    id_token = await keys.verify(answer["id_token"], typ="JWT")
    authorization = await OidcAuthorization.get()
    assert id_token == {
        "iss": issuer,
        "aud": rp.row.client_id,
        "iat": now,
        "exp": now + 300,
        "sub": sub,
        "acr": "urn:uidp:level:1",
        "amr": ["password", "pwd"],
        "auth_time": access["auth_time"],
        "sid": str(authorization.id),
        "at_hash": at_hash(answer["access_token"]),
        "nonce": "n-0S6_WzA2Mj",
    }
    assert authorization.dpop_jkt == rp.jkt and authorization.session_id == login.session.id
    assert authorization.expires_at <= login.session.expires_at  # never beyond the uidp session
    assert sorted(await OidcToken.all().values_list("kind", flat=True)) == ["access", "refresh"]
    event = await AuditEvent.get(event_type="oidc.token_issued")
    assert event.details["grant_type"] == "authorization_code" and answer["access_token"] not in str(event.details)


async def test_a_basic_client_gets_bearer_tokens(rt):
    rp, login = await Rp.basic(rt), await person_login(rt)
    answer = await exchanged(rt, rp, login)
    assert answer["token_type"] == "Bearer"
    access = await SigningKeys(rt).verify(answer["access_token"], typ="at+jwt")
    assert "cnf" not in access and (await OidcAuthorization.get()).dpop_jkt is None


async def test_an_entity_session_and_a_proxy_session_say_who_acts(rt):
    rp = await Rp.fapi(rt)
    entity = await exchanged(rt, rp, await entity_login(rt))
    access = await SigningKeys(rt).verify(entity["access_token"])
    assert access["acr"] == "urn:uidp:level:2" and "act" not in access and "delegation" not in access


async def test_a_proxy_sessions_access_token_carries_act_and_delegation(rt):
    rp, login = await Rp.fapi(rt), await proxy_login(rt)
    answer = await exchanged(rt, rp, login, scopes=["openid"])
    keys = SigningKeys(rt)
    access, id_token = await keys.verify(answer["access_token"]), await keys.verify(answer["id_token"])
    agent_sub = pairwise_sub(rt, rp.row, SubjectKind.PERSON, login.delegation.agent.id)
    assert access["sub"] == pairwise_sub(rt, rp.row, SubjectKind.ENTITY, login.entity.id)
    assert access["act"] == {"sub": agent_sub} and id_token["act"] == {"sub": agent_sub}
    assert access["delegation"]["service_items"] == ["social", "tax"]
    assert id_token["amr"] == ["agent", "pwd"]


async def test_a_wrong_verifier_issues_nothing_and_spends_the_code(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    other = "A" * 43
    await refused(rt, await rp.request(rp.code_form(code, other)), OAuthError.INVALID_GRANT)
    await nothing_issued()
    await refused(rt, await rp.request(rp.code_form(code, verifier)), OAuthError.INVALID_GRANT)
    event = await AuditEvent.filter(event_type="oidc.token_refused").first()
    assert event is not None and event.details["error"] == "invalid_grant" and code not in str(event.details)


@pytest.mark.parametrize(
    "verifier",
    [None, "short", "x" * 129, "é" * 43, "a b" + "c" * 41],
    ids=["none", "short", "long", "non-ascii", "space"],
)
async def test_a_missing_or_malformed_verifier_is_refused_before_the_code_is_spent(rt, verifier):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, right = await rp.code(login)
    await refused(rt, await rp.request(rp.code_form(code, verifier)), OAuthError.INVALID_REQUEST)
    await nothing_issued()
    assert (await TokenService(rt).exchange(await rp.request(rp.code_form(code, right))))["access_token"]


async def test_a_reused_code_revokes_what_it_issued(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    first = await TokenService(rt).exchange(await rp.request(rp.code_form(code, verifier)))
    await refused(rt, await rp.request(rp.code_form(code, verifier)), OAuthError.INVALID_GRANT)
    authorization = await OidcAuthorization.get()
    assert authorization.revoked_at is not None and authorization.revoked_reason == "code_reused"
    await refused(rt, await rp.request(rp.refresh_form(first["refresh_token"])), OAuthError.INVALID_GRANT)


async def test_an_expired_code_is_refused(rt, clock):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    clock.advance(61)
    await refused(rt, await rp.request(rp.code_form(code, verifier)), OAuthError.INVALID_GRANT)
    await nothing_issued()


async def test_the_code_is_bound_to_its_client_and_redirect_uri(rt):
    rp, other, login = await Rp.fapi(rt), await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    await refused(
        rt,
        await rp.request(rp.code_form(code, verifier, redirect_uri=rp.row.redirect_uris[0] + "/x")),
        OAuthError.INVALID_GRANT,
    )
    code, verifier = await rp.code(login)
    await refused(rt, await other.request(other.code_form(code, verifier)), OAuthError.INVALID_GRANT)
    await nothing_issued()


async def test_a_fapi_exchange_needs_a_dpop_proof_by_the_codes_key(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    form = rp.code_form(code, verifier)
    await refused(rt, await rp.request(form, proof=None), OAuthError.INVALID_DPOP_PROOF)
    stale = await refused(
        rt, await rp.request(form, proof=await rp.proof("POST", "/oidc/token", nonce=None)), OAuthError.USE_DPOP_NONCE
    )
    assert stale.headers["DPoP-Nonce"]
    stranger = await rp.proof("POST", "/oidc/token", key=Rp(rt, rp.client).dpop_key)
    await refused(rt, await rp.request(rp.code_form(code, verifier), proof=stranger), OAuthError.INVALID_GRANT)
    await nothing_issued()


async def test_a_code_whose_login_has_ended_issues_nothing(rt):
    rp = await Rp.fapi(rt)
    login = await person_login(rt)
    code, verifier = await rp.code(login)
    await Sessions(rt).revoke(login.session, "logout")
    await refused(rt, await rp.request(rp.code_form(code, verifier)), OAuthError.INVALID_GRANT)
    other = await person_login(rt, phone="15012345602", seq="182")
    code, verifier = await rp.code(other)
    await erase_person(other.person.id)  # cancelled (P10) between the consent and the exchange
    await refused(rt, await rp.request(rp.code_form(code, verifier)), OAuthError.INVALID_GRANT)
    await nothing_issued()


async def test_unknown_and_missing_grant_types(rt):
    rp = await Rp.fapi(rt)
    fields, _ = rp.auth()
    await refused(rt, await rp.request({**fields, "grant_type": "password"}), OAuthError.UNSUPPORTED_GRANT_TYPE)
    await refused(rt, await rp.request(rp.auth()[0]), OAuthError.INVALID_REQUEST)


# -- refresh --------------------------------------------------------------------------------------------


async def test_a_refresh_token_rotates_and_a_reused_one_revokes_the_family(rt, clock):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    first = await exchanged(rt, rp, login)
    clock.advance(120)
    second = await TokenService(rt).exchange(await rp.request(rp.refresh_form(first["refresh_token"])))
    assert second["refresh_token"] != first["refresh_token"] and second["token_type"] == "DPoP"
    access = await SigningKeys(rt).verify(second["access_token"])
    assert access["cnf"] == {"jkt": rp.jkt} and access["iat"] == int(clock.now().timestamp())
    assert await OidcAuthorization.all().count() == 1  # the same family
    await refused(rt, await rp.request(rp.refresh_form(first["refresh_token"])), OAuthError.INVALID_GRANT)
    authorization = await OidcAuthorization.get()
    assert authorization.revoked_reason == "refresh_reused"
    await refused(rt, await rp.request(rp.refresh_form(second["refresh_token"])), OAuthError.INVALID_GRANT)


async def test_a_refresh_needs_the_same_client_and_dpop_key(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    other = await Rp.fapi(rt)
    first = await exchanged(rt, rp, login)
    await refused(rt, await other.request(other.refresh_form(first["refresh_token"])), OAuthError.INVALID_GRANT)
    stranger = await rp.proof("POST", "/oidc/token", key=Rp(rt, rp.client).dpop_key)
    await refused(
        rt, await rp.request(rp.refresh_form(first["refresh_token"]), proof=stranger), OAuthError.INVALID_GRANT
    )
    # Neither spent it: the rightful client still refreshes.
    assert await TokenService(rt).exchange(await rp.request(rp.refresh_form(first["refresh_token"])))


async def test_a_refresh_may_narrow_the_scope_but_not_widen_it(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    first = await exchanged(rt, rp, login, scopes=["openid", "profile"])
    await refused(
        rt, await rp.request(rp.refresh_form(first["refresh_token"], scope="openid phone")), OAuthError.INVALID_SCOPE
    )
    narrowed = await TokenService(rt).exchange(
        await rp.request(rp.refresh_form(first["refresh_token"], scope="openid"))
    )
    assert narrowed["scope"] == "openid"


async def test_a_refresh_stops_when_the_login_behind_it_ends(rt, clock):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    first = await exchanged(rt, rp, login)
    await Sessions(rt).revoke(login.session, "logout")
    await refused(rt, await rp.request(rp.refresh_form(first["refresh_token"])), OAuthError.INVALID_GRANT)
    other = await person_login(rt, phone="15012345602", seq="182")
    second = await exchanged(rt, rp, other)
    clock.advance(rt.settings.oidc_refresh_seconds + 1)
    await refused(rt, await rp.request(rp.refresh_form(second["refresh_token"])), OAuthError.INVALID_GRANT)


async def test_of_concurrent_refreshes_exactly_one_wins(rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    first = await exchanged(rt, rp, login)
    requests = [await rp.request(rp.refresh_form(first["refresh_token"])) for _ in range(6)]
    wins: list[dict] = []
    losses: list[OAuthProblem] = []

    async def refresh(request) -> None:
        try:
            wins.append(await TokenService(rt).exchange(request))
        except OAuthProblem as problem:
            losses.append(problem)

    async with anyio.create_task_group() as group:
        for request in requests:
            group.start_soon(refresh, request)
    assert len(wins) == 1 and len(losses) == 5
    assert all(problem.error == OAuthError.INVALID_GRANT for problem in losses)
    # The others were reuses: the family is revoked, the winner's new refresh token too.
    assert (await OidcAuthorization.get()).revoked_reason == "refresh_reused"
    assert await OidcToken.filter(kind="refresh").count() == 2


async def test_the_authorization_lives_no_longer_than_its_session(rt, clock):
    rp = await Rp.fapi(rt)
    login = await person_login(rt)
    clock.advance(timedelta(hours=11).total_seconds())
    await exchanged(rt, rp, login)
    authorization = await OidcAuthorization.get()
    assert authorization.expires_at == login.session.expires_at
