"""POST /oidc/token through HTTP: the exchange with the DPoP nonce dance, no-store answers, the form rules, and
someone holding a stolen code but not the verifier or the key getting nothing."""

from __future__ import annotations

import pytest

from tests.services.oidc.logins import person_login
from tests.services.oidc.rp import Rp
from uidp.models.oidc import OidcAuthorization

pytestmark = pytest.mark.anyio
FORM = {"content-type": "application/x-www-form-urlencoded"}


async def post_token(client, rp: Rp, form: dict[str, str], *, proof: str | None = None, **kwargs):
    _, header = rp.auth()
    headers = {**({"authorization": header} if header else {}), **({"dpop": proof} if proof else {})}
    return await client.post("/oidc/token", data=form, headers=headers, **kwargs)


async def test_the_exchange_through_http_with_the_nonce_dance(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    first = await post_token(
        client, rp, rp.code_form(code, verifier), proof=await rp.proof("POST", "/oidc/token", nonce=None)
    )
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["dpop-nonce"]
    answer = await post_token(
        client, rp, rp.code_form(code, verifier), proof=await rp.proof("POST", "/oidc/token", nonce=nonce)
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store" and answer.headers["pragma"] == "no-cache"
    assert answer.headers["dpop-nonce"]
    body = answer.json()
    assert body["token_type"] == "DPoP" and body["access_token"].count(".") == 2 and body["id_token"]
    refreshed = await post_token(
        client, rp, rp.refresh_form(body["refresh_token"]), proof=await rp.proof("POST", "/oidc/token")
    )
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != body["refresh_token"]


async def test_a_basic_client_exchanges_with_its_secret(client, rt):
    rp, login = await Rp.basic(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    answer = await post_token(client, rp, rp.code_form(code, verifier))
    assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"


async def test_a_stolen_code_without_the_verifier_or_the_key_gets_nothing(client, rt):
    """Someone who intercepted the code (and even the client's credentials) did not prove the login."""
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    thief = Rp(rt, rp.client)  # same registration, the thief's own DPoP key
    wrong_key = await post_token(
        client, thief, thief.code_form(code, verifier), proof=await thief.proof("POST", "/oidc/token")
    )
    assert wrong_key.status_code == 400 and wrong_key.json()["error"] == "invalid_grant"
    code, verifier = await rp.code(login)
    no_verifier = await post_token(
        client, rp, rp.code_form(code, "B" * 43), proof=await rp.proof("POST", "/oidc/token")
    )
    assert no_verifier.status_code == 400 and no_verifier.json()["error"] == "invalid_grant"
    assert await OidcAuthorization.all().count() == 0


async def test_client_authentication_failures_answer_401(client, rt):
    rp, login = await Rp.basic(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    answer = await client.post(
        "/oidc/token", data=rp.code_form(code, verifier), headers={"authorization": "Basic eDp5"}
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert answer.headers["cache-control"] == "no-store"


async def test_the_form_rules(client, rt):
    rp, login = await Rp.basic(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    form = rp.code_form(code, verifier)
    _, header = rp.auth()
    auth = {"authorization": header}
    in_query = await client.post("/oidc/token", params={"code": code}, data=form, headers=auth)
    assert in_query.status_code == 400 and in_query.json()["error"] == "invalid_request"
    as_json = await client.post("/oidc/token", json=form, headers=auth)
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    repeated = await client.post(
        "/oidc/token", content=f"code={code}&code={code}&grant_type=authorization_code", headers={**FORM, **auth}
    )
    assert repeated.status_code == 400 and "repeated" in repeated.json()["error_description"]
    huge = await client.post("/oidc/token", content="a=" + "b" * 20000, headers={**FORM, **auth})
    assert huge.status_code == 400
    control = await client.post("/oidc/token", content="grant_type=authorization_code%00", headers={**FORM, **auth})
    assert control.status_code == 400
    assert (await client.get("/oidc/token")).status_code == 405
    # None of this spent the code.
    answer = await post_token(client, rp, form)
    assert answer.status_code == 200, answer.text
