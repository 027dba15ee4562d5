"""DPoP proofs (RFC 9449 §4.3) and server nonces (§8): every check refuses what it should, made by the client
side with joserfc; replays fail once spent, also when they race (PostgreSQL + Redis)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import anyio
import pytest
from joserfc import jwk, jws, jwt
from joserfc.errors import SecurityWarning

from uidp.domain.oidc import OAuthError
from uidp.runtime import Runtime
from uidp.services.oidc.dpop import (
    IAT_PAST_SECONDS,
    NONCE_WINDOW_SECONDS,
    DpopProofs,
    access_token_hash,
    normalise_htu,
    single_proof,
)
from uidp.services.oidc.problems import OAuthProblem

ISSUER = "https://sso.example.gov.cn"  # verify() is given issuer + path by the endpoint
PATH = "/oidc/token"


def url(rt) -> str:
    return ISSUER + PATH


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def make_proof(
    rt,
    key: jwk.Key,
    *,
    header: dict[str, Any] | None = None,
    signer: jwk.Key | None = None,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A proof for POST /oidc/token, as a client makes it: the server's nonce, now, a fresh jti."""
    alg = "PS256" if isinstance(key, jwk.RSAKey) else "ES256"
    head = {"typ": "dpop+jwt", "alg": alg, "jwk": key.as_dict(private=False), **(header or {})}
    body = {
        "htm": "POST",
        "htu": url(rt),
        "iat": int(rt.clock.now().timestamp()),
        "jti": uuid.uuid4().hex,
        "nonce": await DpopProofs(rt).nonce(),
        **claims,
    }
    for name in drop:
        body.pop(name, None)
    return jwt.encode(head, body, signer or key, algorithms=[head["alg"]])


async def refused(rt, proof: str | None, error: OAuthError = OAuthError.INVALID_DPOP_PROOF, **kw: Any) -> OAuthProblem:
    with pytest.raises(OAuthProblem) as caught:
        await DpopProofs(rt).verify(proof, method=kw.pop("method", "POST"), url=kw.pop("url", url(rt)), **kw)
    assert caught.value.error == error
    return caught.value


@pytest.fixture
def key() -> jwk.ECKey:
    return jwk.ECKey.generate_key("P-256", private=True)


async def test_a_good_proof_gives_its_keys_thumbprint(rt, key):
    proof = await make_proof(rt, key)
    assert await DpopProofs(rt).verify(proof, method="POST", url=url(rt)) == key.thumbprint()


async def test_an_rsa_proof_with_its_larger_header_verifies(rt):
    key = jwk.RSAKey.generate_key(2048, private=True)
    proof = await make_proof(rt, key)
    assert await DpopProofs(rt).verify(proof, method="POST", url=url(rt)) == key.thumbprint()
    with pytest.warns(SecurityWarning):
        weak = jwk.RSAKey.generate_key(1024, private=True)
    await refused(rt, await make_proof(rt, weak))


async def test_no_proof_or_not_a_jws_is_refused(rt, key):
    for proof in (None, "", "abc", "a.b", "a.b.c.d", "a.b.c", "é.b.c", "a" * 5000 + ".b.c"):
        await refused(rt, proof)
    good = await make_proof(rt, key)
    await refused(rt, good[: good.rindex(".") + 1])  # no signature


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", None])
async def test_the_typ_must_be_dpop_jwt(rt, key, typ):
    header = {"typ": typ} if typ else {}
    proof = await make_proof(rt, key, header=header)
    if typ is None:  # joserfc's jwt.encode adds typ JWT unless told: remove it by hand
        head, payload, _ = proof.split(".")
        decoded = json.loads(base64.urlsafe_b64decode(head + "=="))
        decoded.pop("typ")
        proof = jws.serialize_compact(decoded, base64.urlsafe_b64decode(payload + "=="), key, algorithms=["ES256"])
    await refused(rt, proof)


async def test_only_es256_and_ps256_and_never_none(rt, key):
    body = {"htm": "POST", "htu": url(rt), "iat": int(rt.clock.now().timestamp()), "jti": "j1"}
    body["nonce"] = await DpopProofs(rt).nonce()
    secret = jwk.OctKey.generate_key(256)
    hs = jwt.encode({"typ": "dpop+jwt", "alg": "HS256", "jwk": secret.as_dict(private=False)}, body, secret)
    await refused(rt, hs)
    p384 = jwk.ECKey.generate_key("P-384", private=True)
    es384 = jwt.encode({"typ": "dpop+jwt", "alg": "ES384", "jwk": p384.as_dict()}, body, p384, algorithms=["ES384"])
    await refused(rt, es384)
    none = f"{b64({'typ': 'dpop+jwt', 'alg': 'none', 'jwk': key.as_dict(private=False)})}.{b64(body)}.c2ln"
    await refused(rt, none)


async def test_the_jwk_must_be_a_public_key_that_signed_it(rt, key):
    private_jwk = key.as_dict(private=True)
    await refused(rt, await make_proof(rt, key, header={"jwk": private_jwk}))
    await refused(rt, await make_proof(rt, key, header={"jwk": {"kty": "oct", "k": "c2VjcmV0"}}))
    body = {"htm": "POST", "htu": url(rt), "iat": int(rt.clock.now().timestamp()), "jti": "j"}
    await refused(rt, f"{b64({'typ': 'dpop+jwt', 'alg': 'ES256', 'jwk': 'not a key'})}.{b64(body)}.c2ln")
    await refused(rt, await make_proof(rt, key, header={"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}))
    other = jwk.ECKey.generate_key("P-256", private=True)
    await refused(rt, await make_proof(rt, key, signer=other))  # the header's key did not sign it


async def test_a_header_with_more_than_typ_alg_and_jwk_is_refused(rt, key):
    await refused(rt, await make_proof(rt, key, header={"kid": "k1"}))
    await refused(rt, await make_proof(rt, key, header={"jku": "https://attacker.example/jwks"}))


async def test_htm_must_be_the_method(rt, key):
    await refused(rt, await make_proof(rt, key, htm="GET"))
    await refused(rt, await make_proof(rt, key, htm="post"))
    await refused(rt, await make_proof(rt, key, drop=("htm",)))
    proof = await make_proof(rt, key, htm="GET")
    assert await DpopProofs(rt).verify(proof, method="GET", url=url(rt)) == key.thumbprint()


async def test_htu_must_be_the_url_without_query_and_fragment(rt, key):
    await refused(rt, await make_proof(rt, key, htu=ISSUER + "/oidc/userinfo"))
    await refused(rt, await make_proof(rt, key, htu="https://attacker.example" + PATH))
    await refused(rt, await make_proof(rt, key, htu=PATH))  # not absolute
    await refused(rt, await make_proof(rt, key, htu=42))
    await refused(rt, await make_proof(rt, key, drop=("htu",)))
    noisy = "HTTPS://SSO.Example.GOV.cn:443" + PATH + "?x=1#frag"
    assert await DpopProofs(rt).verify(await make_proof(rt, key, htu=noisy), method="POST", url=url(rt))


def test_htu_normalisation():
    assert normalise_htu("HTTPS://Example.GOV.cn:443/a%2fb?q=1#f") == "https://example.gov.cn/a%2Fb"
    assert normalise_htu("http://example.gov.cn:80") == "http://example.gov.cn/"
    assert normalise_htu("http://example.gov.cn:8000/x") == "http://example.gov.cn:8000/x"
    assert normalise_htu("https://user@example.gov.cn/x") is None
    assert normalise_htu("ftp://example.gov.cn/x") is None
    assert normalise_htu("https://example.gov.cn:99999/x") is None
    assert normalise_htu("/oidc/token") is None


async def test_iat_must_be_recent(rt, key):
    now, skew = int(rt.clock.now().timestamp()), rt.settings.oidc_clock_skew_seconds
    await refused(rt, await make_proof(rt, key, iat=now - IAT_PAST_SECONDS - skew - 1))
    await refused(rt, await make_proof(rt, key, iat=now + skew + 1))
    await refused(rt, await make_proof(rt, key, iat="now"))
    await refused(rt, await make_proof(rt, key, iat=True))
    await refused(rt, await make_proof(rt, key, drop=("iat",)))
    assert await DpopProofs(rt).verify(
        await make_proof(rt, key, iat=now - IAT_PAST_SECONDS - skew + 1), method="POST", url=url(rt)
    )


async def test_jti_is_required_and_single_use(rt, key):
    await refused(rt, await make_proof(rt, key, drop=("jti",)))
    await refused(rt, await make_proof(rt, key, jti=""))
    await refused(rt, await make_proof(rt, key, jti="x" * 300))
    proof = await make_proof(rt, key)
    await DpopProofs(rt).verify(proof, method="POST", url=url(rt))
    problem = await refused(rt, proof)
    assert "replayed" in problem.description


async def test_a_refused_proof_does_not_spend_its_jti(rt, key):
    proof = await make_proof(rt, key, jti="kept")
    await refused(rt, proof, jkt="not-this-key")
    assert await DpopProofs(rt).verify(proof, method="POST", url=url(rt)) == key.thumbprint()


async def test_of_concurrent_replays_exactly_one_passes(rt, key):
    proof = await make_proof(rt, key)
    outcomes: list[str] = []

    async def present() -> None:
        try:
            outcomes.append(await DpopProofs(rt).verify(proof, method="POST", url=url(rt)))
        except OAuthProblem as problem:
            outcomes.append(problem.error.value)

    async with anyio.create_task_group() as group:
        for _ in range(12):
            group.start_soon(present)
    assert sorted(outcomes) == sorted([key.thumbprint()] + ["invalid_dpop_proof"] * 11)


async def test_ath_binds_the_proof_to_its_access_token(rt, key):
    token = "eyJhbGciOiJFUzI1NiJ9.access.token"
    good = await make_proof(rt, key, ath=access_token_hash(token))
    assert await DpopProofs(rt).verify(good, method="POST", url=url(rt), access_token=token) == key.thumbprint()
    await refused(rt, await make_proof(rt, key), access_token=token)  # no ath
    await refused(rt, await make_proof(rt, key, ath=access_token_hash("another")), access_token=token)
    await refused(rt, await make_proof(rt, key, ath=7), access_token=token)


def test_ath_is_the_rfc_9449_example():
    # RFC 9449 §7.1: the access token "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU" has this ath
    assert (
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")
        == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    )


async def test_jkt_binds_the_proof_to_a_key(rt, key):
    other = jwk.ECKey.generate_key("P-256", private=True)
    proof = await make_proof(rt, key)
    assert await DpopProofs(rt).verify(proof, method="POST", url=url(rt), jkt=key.thumbprint())
    await refused(rt, await make_proof(rt, other), jkt=key.thumbprint())


async def test_a_missing_or_stale_nonce_answers_use_dpop_nonce_with_a_fresh_one(rt, clock, key):
    current = await DpopProofs(rt).nonce()
    problem = await refused(rt, await make_proof(rt, key, drop=("nonce",)), OAuthError.USE_DPOP_NONCE)
    assert problem.headers == {"DPoP-Nonce": current} and problem.status == 400
    await refused(rt, await make_proof(rt, key, nonce="made-up"), OAuthError.USE_DPOP_NONCE)
    await refused(rt, await make_proof(rt, key, nonce=["x"]), OAuthError.USE_DPOP_NONCE)
    clock.advance(NONCE_WINDOW_SECONDS)  # the next window: the previous nonce still works
    assert await DpopProofs(rt).nonce() != current
    assert await DpopProofs(rt).verify(await make_proof(rt, key, nonce=current), method="POST", url=url(rt))
    clock.advance(NONCE_WINDOW_SECONDS)  # two windows on: stale
    problem = await refused(rt, await make_proof(rt, key, nonce=current), OAuthError.USE_DPOP_NONCE)
    assert problem.headers["DPoP-Nonce"] == await DpopProofs(rt).nonce() != current


async def test_every_worker_computes_the_same_nonce(rt, settings, clock):
    another_worker = Runtime.build(settings, clock=clock)
    try:
        assert await DpopProofs(another_worker).nonce() == await DpopProofs(rt).nonce()
    finally:
        await another_worker.close()


def test_more_than_one_dpop_header_is_refused():
    assert single_proof([]) is None and single_proof(["p"]) == "p"
    with pytest.raises(OAuthProblem) as caught:
        single_proof(["p", "q"])
    assert caught.value.error == OAuthError.INVALID_DPOP_PROOF
