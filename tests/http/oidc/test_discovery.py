"""`/.well-known/openid-configuration` and `/oidc/jwks` through HTTP: every endpoint docs/oidc.md lists, under the
configured issuer whatever the Host header says, what the provider supports, and a JWKS a relying party verifies
tokens with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from uidp.domain.oidc import ACR_VALUES, SCOPES
from uidp.services.oidc.keys import SigningKeys

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]


def documented_paths() -> dict[str, str]:
    """The endpoint table of docs/oidc.md's discovery section: metadata name -> path."""
    text = (ROOT / "docs" / "oidc.md").read_text(encoding="utf-8")
    section = text.split("## Discovery and signing keys", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| `(/[\w/.-]+)` \|$", section, flags=re.M))


PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


async def test_the_configuration_names_every_endpoint_under_the_issuer(client, rt):
    answer = await client.get("/.well-known/openid-configuration", headers={"Host": "evil.example"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["access-control-allow-origin"] == "*"
    document = answer.json()
    issuer = rt.settings.oidc_issuer
    assert document["issuer"] == issuer == "http://127.0.0.1:8000"
    paths = documented_paths()
    assert len(paths) == 8 and {"/oidc/par", "/oidc/logout", "/oidc/introspect"} <= set(paths.values())
    assert {name: document[name] for name in paths} == {name: issuer + path for name, path in paths.items()}
    assert "evil.example" not in answer.text


async def test_the_configuration_says_what_is_supported(client, rt):
    document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["response_types_supported"] == ["code"]
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["token_endpoint_auth_methods_supported"] == ["private_key_jwt", "client_secret_basic"]
    for name in (
        "token_endpoint_auth_signing_alg_values_supported",
        "dpop_signing_alg_values_supported",
        "revocation_endpoint_auth_signing_alg_values_supported",
        "introspection_endpoint_auth_signing_alg_values_supported",
    ):
        assert document[name] == ["ES256", "PS256"], name
    assert document["id_token_signing_alg_values_supported"] == ["ES256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["require_pushed_authorization_requests"] is False  # per client: fapi2 clients must push
    assert document["backchannel_logout_supported"] is True
    assert document["backchannel_logout_session_supported"] is True
    assert document["subject_types_supported"] == ["pairwise"]
    assert document["scopes_supported"] == list(SCOPES)
    assert document["acr_values_supported"] == ["urn:uidp:level:1", "urn:uidp:level:2", "urn:uidp:level:3"]
    assert document["acr_values_supported"] == list(ACR_VALUES.values())
    assert {claim for scope in SCOPES.values() for claim in scope.claims} <= set(document["claims_supported"])
    assert {"acr", "amr", "auth_time", "sid"} <= set(document["claims_supported"])
    assert document["ui_locales_supported"] == ["zh-CN"]


async def test_the_issuer_setting_moves_every_url(make_settings, clock):
    from httpx import ASGITransport, AsyncClient

    from uidp.app import create_app

    application = create_app(make_settings(oidc_issuer="https://sso.example.gov.cn/uidp"), clock=clock)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://internal:8000") as http:
            document = (await http.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == "https://sso.example.gov.cn/uidp"
    assert document["token_endpoint"] == "https://sso.example.gov.cn/uidp/oidc/token"


async def test_the_jwks_verifies_what_the_provider_signs_and_holds_no_private_member(client, rt):
    answer = await client.get("/oidc/jwks")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["content-type"].startswith("application/jwk-set+json")
    keys = answer.json()["keys"]
    assert len(keys) == 1  # the first key is made on first use, a JWKS request included
    assert not PRIVATE_MEMBERS & set(keys[0]) and keys[0]["use"] == "sig" and keys[0]["alg"] == "ES256"
    token = await SigningKeys(rt).sign({"iss": rt.settings.oidc_issuer, "sub": "s-1"}, typ="at+jwt")
    decoded = jwt.decode(token, KeySet.import_key_set(answer.json()), algorithms=["ES256", "PS256"])
    assert decoded.claims["sub"] == "s-1" and decoded.header["kid"] == keys[0]["kid"]


async def test_after_rotation_the_jwks_publishes_both_keys_until_the_old_one_is_dropped(client, rt, clock):
    signing = SigningKeys(rt)
    old_token = await signing.sign({"n": "old"})
    await signing.rotate()
    new_token = await signing.sign({"n": "new"})
    published = KeySet.import_key_set((await client.get("/oidc/jwks")).json())
    assert len(published.keys) == 2
    for token in (old_token, new_token):
        assert jwt.decode(token, published, algorithms=["ES256"]).claims["n"] in ("old", "new")
    clock.advance(signing.drop_time(clock.now()).timestamp() - clock.now().timestamp())
    assert len((await client.get("/oidc/jwks")).json()["keys"]) == 1


async def test_only_get_is_answered(client):
    assert (await client.post("/oidc/jwks")).status_code == 405
    assert (await client.post("/.well-known/openid-configuration")).status_code == 405
    assert (await client.head("/oidc/jwks")).status_code == 200
