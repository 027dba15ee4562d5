"""Pushed authorization requests (uidp.services.oidc.par): validated like the query, kept 60 s for one use
by the client that pushed them, the DPoP key bound by dpop_jkt or a proof."""

from __future__ import annotations

import anyio
import pytest

from tests.oidc_support import REDIRECT_URI, make_oidc_client
from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.events import EventType
from uidp.models.audit import AuditEvent
from uidp.services.oidc.par import REQUEST_URI_PREFIX, PushedRequests
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.requests import RequestRefused
from uidp.services.shared.principal import ClientInfo

CLIENT = ClientInfo("198.51.100.72", "pytest")
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
JKT = "UyHdGaIluYjsudoIxA00NJbcRmGKw74L_9AFEw0oU1g"
OTHER_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


def params(**overrides: str) -> dict[str, str]:
    values = {
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": "st-1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    values.update(overrides)
    return values


async def test_a_pushed_request_is_taken_once_by_its_client(rt):
    rp = (await make_oidc_client(rt, profile=ClientProfile.FAPI2)).row
    pushed = await PushedRequests(rt).push(rp, params(dpop_jkt=JKT), proof_jkt=None, client_info=CLIENT)
    assert pushed.request_uri.startswith(REQUEST_URI_PREFIX) and pushed.expires_in == 60
    assert len(pushed.request_uri) - len(REQUEST_URI_PREFIX) >= 43
    other = (await make_oidc_client(rt, profile=ClientProfile.FAPI2)).row
    with pytest.raises(RequestRefused) as refused:
        await PushedRequests(rt).take(pushed.request_uri, other)  # not theirs: refused, and left in place
    assert refused.value.error == OAuthError.INVALID_REQUEST_URI and refused.value.redirect_uri is None
    request = await PushedRequests(rt).take(pushed.request_uri, rp)
    assert request.pushed and request.dpop_jkt == JKT and request.scopes == ["openid", "profile"]
    with pytest.raises(RequestRefused, match="unknown, expired or used"):
        await PushedRequests(rt).take(pushed.request_uri, rp)
    for bad in ("", "urn:ietf:params:oauth:request_uri:", "https://rp.example/req", REQUEST_URI_PREFIX + "x" * 300):
        with pytest.raises(RequestRefused):
            await PushedRequests(rt).take(bad, rp)
    event = await AuditEvent.get(event_type=EventType.OIDC_REQUEST_PUSHED)
    assert event.details["client_id"] == rp.client_id and event.details["dpop_bound"] is True
    assert pushed.request_uri[len(REQUEST_URI_PREFIX) :] not in str(event.details)


async def test_a_request_uri_lives_sixty_seconds(rt, clock):
    rp = (await make_oidc_client(rt, profile=ClientProfile.FAPI2)).row
    pushed = await PushedRequests(rt).push(rp, params(), proof_jkt=None, client_info=CLIENT)
    clock.advance(61)
    with pytest.raises(RequestRefused):
        await PushedRequests(rt).take(pushed.request_uri, rp)


async def test_of_concurrent_uses_exactly_one_gets_the_request(rt):
    rp = (await make_oidc_client(rt, profile=ClientProfile.FAPI2)).row
    pushed = await PushedRequests(rt).push(rp, params(), proof_jkt=None, client_info=CLIENT)
    won: list[bool] = []

    async def take() -> None:
        try:
            await PushedRequests(rt).take(pushed.request_uri, rp)
            won.append(True)
        except RequestRefused:
            won.append(False)

    async with anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(take)
    assert won.count(True) == 1


async def test_the_dpop_key_is_bound_by_the_proof_or_dpop_jkt_and_both_must_agree(rt):
    rp = (await make_oidc_client(rt, profile=ClientProfile.FAPI2)).row
    pushes = PushedRequests(rt)
    by_proof = await pushes.push(rp, params(), proof_jkt=JKT, client_info=CLIENT)
    assert (await pushes.take(by_proof.request_uri, rp)).dpop_jkt == JKT
    agreeing = await pushes.push(rp, params(dpop_jkt=JKT), proof_jkt=JKT, client_info=CLIENT)
    assert (await pushes.take(agreeing.request_uri, rp)).dpop_jkt == JKT
    with pytest.raises(OAuthProblem, match="does not match the DPoP proof"):
        await pushes.push(rp, params(dpop_jkt=OTHER_JKT), proof_jkt=JKT, client_info=CLIENT)
    basic = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    with pytest.raises(OAuthProblem, match="DPoP is for FAPI"):
        await pushes.push(basic, params(), proof_jkt=JKT, client_info=CLIENT)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": "someone-else"}, OAuthError.INVALID_REQUEST),
        ({"redirect_uri": "https://evil.example/cb"}, OAuthError.INVALID_REQUEST),
        ({"code_challenge_method": "plain"}, OAuthError.INVALID_REQUEST),
        ({"scope": "openid admin"}, OAuthError.INVALID_SCOPE),
        ({"request_uri": REQUEST_URI_PREFIX + "abc"}, OAuthError.INVALID_REQUEST),
        ({"request": "eyJ9.e30."}, OAuthError.INVALID_REQUEST),
    ],
)
async def test_a_bad_push_is_refused_and_nothing_is_kept(rt, overrides, error):
    rp = (await make_oidc_client(rt, profile=ClientProfile.FAPI2)).row
    with pytest.raises(OAuthProblem) as refused:
        await PushedRequests(rt).push(rp, params(**overrides), proof_jkt=None, client_info=CLIENT)
    assert refused.value.error == error and refused.value.status == 400
    assert not await AuditEvent.filter(event_type=EventType.OIDC_REQUEST_PUSHED).exists()
