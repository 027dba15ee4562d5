"""POST /oidc/par through HTTP (RFC 9126): 201 with a request_uri for an authenticated client, DPoP optional
(its key binds the request, the nonce dance first), and OAuth JSON errors (400 / 401) with nothing kept."""

from __future__ import annotations

import pytest

from tests.http.oidc.flow_support import push, request_params
from tests.oidc_support import REDIRECT_URI
from tests.services.oidc.rp import Rp
from uidp.events import EventType
from uidp.models.audit import AuditEvent
from uidp.services.oidc.par import REQUEST_URI_PREFIX, PushedRequests

pytestmark = pytest.mark.anyio


async def pushed_count() -> int:
    return await AuditEvent.filter(event_type=EventType.OIDC_REQUEST_PUSHED).count()


async def test_a_fapi_client_pushes_with_private_key_jwt(client, rt):
    rp = await Rp.fapi(rt)
    answer = await push(client, rp)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"request_uri", "expires_in"} and body["expires_in"] == 60
    assert body["request_uri"].startswith(REQUEST_URI_PREFIX)
    assert answer.headers["cache-control"] == "no-store" and answer.headers["dpop-nonce"]
    request = await PushedRequests(rt).take(body["request_uri"], rp.row)
    assert request.pushed and request.dpop_jkt is None and request.redirect_uri == REDIRECT_URI
    assert request.scopes == ["openid", "profile", "phone"] and request.state == "st-http"


async def test_a_dpop_proof_binds_its_key_after_the_nonce_dance(client, rt):
    rp = await Rp.fapi(rt)
    first = await push(client, rp, proof=await rp.proof("POST", "/oidc/par", nonce=None))
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["dpop-nonce"]
    answer = await push(client, rp, proof=await rp.proof("POST", "/oidc/par", nonce=nonce))
    assert answer.status_code == 201, answer.text
    request = await PushedRequests(rt).take(answer.json()["request_uri"], rp.row)
    assert request.dpop_jkt == rp.jkt
    # dpop_jkt alone binds too; with a proof, both must name the same key
    alone = await push(client, rp, dpop_jkt=rp.jkt)
    assert (await PushedRequests(rt).take(alone.json()["request_uri"], rp.row)).dpop_jkt == rp.jkt
    other = Rp(rt, rp.client)  # another DPoP key
    mismatch = await push(client, rp, proof=await rp.proof("POST", "/oidc/par"), dpop_jkt=other.jkt)
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "invalid_request"
    assert "dpop_jkt" in mismatch.json()["error_description"]


async def test_a_bad_dpop_proof_is_refused(client, rt):
    rp = await Rp.fapi(rt)
    for proof in (
        await rp.proof("POST", "/oidc/token"),  # another endpoint's
        await rp.proof("GET", "/oidc/par"),  # another method
        "not-a-jwt",
    ):
        answer = await push(client, rp, proof=proof)
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_dpop_proof", answer.text
    proof = await rp.proof("POST", "/oidc/par")
    assert (await push(client, rp, proof=proof)).status_code == 201
    replayed = await push(client, rp, proof=proof)
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_dpop_proof"
    two = await client.post(
        "/oidc/par",
        data={"client_id": rp.row.client_id, **request_params(), **rp.auth()[0]},
        headers=[("dpop", await rp.proof("POST", "/oidc/par")), ("dpop", await rp.proof("POST", "/oidc/par"))],
    )
    assert two.status_code == 401 and two.json()["error"] == "invalid_dpop_proof"
    assert await pushed_count() == 1


async def test_a_basic_client_pushes_with_its_secret(client, rt):
    rp = await Rp.basic(rt)
    answer = await push(client, rp)
    assert answer.status_code == 201, answer.text
    wrong = await client.post(
        "/oidc/par", data={"client_id": rp.row.client_id, **request_params()}, headers={"authorization": "Basic eDp5"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    anonymous = await client.post("/oidc/par", data={"client_id": rp.row.client_id, **request_params()})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    assert await pushed_count() == 1


async def test_a_basic_client_gets_bearer_tokens_so_it_may_not_bind_a_key(client, rt):
    """A code bound to a key a basic client can never prove at the token endpoint would be dead on arrival."""
    rp = await Rp.basic(rt)
    by_proof = await push(client, rp, proof=await rp.proof("POST", "/oidc/par"))
    assert by_proof.status_code == 400 and by_proof.json()["error"] == "invalid_request"
    by_jkt = await push(client, rp, dpop_jkt=rp.jkt)
    assert by_jkt.status_code == 400 and "bearer tokens" in by_jkt.json()["error_description"]
    assert await pushed_count() == 0


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"redirect_uri": "https://rp.example.gov.cn/callback/other"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"request_uri": REQUEST_URI_PREFIX + "x" * 43}, "invalid_request"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "invalid_request"),
        ({"acr_values": "urn:uidp:level:9"}, "invalid_request"),
        ({"claims": '{"userinfo": {"credit_code": null}}'}, "invalid_request"),
    ],
)
async def test_a_bad_request_is_refused_with_oauth_json(client, rt, params, error):
    rp = await Rp.fapi(rt, scopes=["openid", "profile", "phone"])
    answer = await push(client, rp, **params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == error and answer.headers["cache-control"] == "no-store"
    assert await pushed_count() == 0


async def test_a_client_id_not_the_authenticated_clients(client, rt):
    fapi, basic = await Rp.fapi(rt), await Rp.basic(rt)
    assertion = await push(client, fapi, client_id=basic.row.client_id)  # iss/sub say fapi
    assert assertion.status_code == 401 and assertion.json()["error"] == "invalid_client"
    secret = await push(client, basic, client_id=fapi.row.client_id)  # Basic says basic
    assert secret.status_code == 401 and secret.json()["error"] == "invalid_client"
    assert await pushed_count() == 0


async def test_the_form_rules(client, rt):
    rp = await Rp.basic(rt)
    _, header = rp.auth()
    auth = {"authorization": header}
    form = {"client_id": rp.row.client_id, **request_params()}
    in_query = await client.post("/oidc/par", params={"scope": "openid"}, data=form, headers=auth)
    assert in_query.status_code == 400 and in_query.json()["error"] == "invalid_request"
    as_json = await client.post("/oidc/par", json=form, headers=auth)
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    repeated = await client.post(
        "/oidc/par",
        content="scope=openid&scope=openid&response_type=code",
        headers={**auth, "content-type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"
    assert (await client.get("/oidc/par")).status_code == 405
    assert await pushed_count() == 0
