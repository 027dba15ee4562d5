"""Client authentication (RFC 6749 §2.3): private_key_jwt for FAPI 2.0 clients, client_secret_basic for basic
ones, exactly the registered method; every refusal is invalid_client (401), audited without the credential."""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import quote_plus

import anyio
import pytest
from joserfc import jwk, jwt

from tests.oidc_support import TestClient, make_oidc_client
from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.models.audit import AuditEvent
from uidp.security.tokens import token_digest
from uidp.services.oidc.client_auth import ASSERTION_TYPE, MAX_ASSERTION_SECONDS, authenticate_client
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.shared.principal import ClientInfo


def assertion(
    rt, made: TestClient, *, header: dict[str, Any] | None = None, key: jwk.Key | None = None, drop=(), **claims: Any
) -> str:
    """A client assertion as an RP makes it (RFC 7523 §3): iss = sub = client_id, aud the issuer, 60 s."""
    assert made.key is not None
    now = int(rt.clock.now().timestamp())
    body = {
        "iss": made.row.client_id,
        "sub": made.row.client_id,
        "aud": rt.settings.oidc_issuer,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    for name in drop:
        body.pop(name)
    head = {"alg": "ES256", "kid": made.key.thumbprint(), **(header or {})}
    return jwt.encode(head, body, key or made.key, algorithms=[head["alg"]])


def jwt_form(token: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": token,
        **extra,
    }


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode()


async def refused(rt, form: dict[str, str], authorization: str | None = None) -> OAuthProblem:
    with pytest.raises(OAuthProblem) as caught:
        await authenticate_client(rt, form, authorization)
    problem = caught.value
    assert problem.error == OAuthError.INVALID_CLIENT and problem.status == 401
    return problem


@pytest.fixture
async def fapi(rt) -> TestClient:
    return await make_oidc_client(rt)


@pytest.fixture
async def plain(rt) -> TestClient:
    return await make_oidc_client(rt, profile=ClientProfile.BASIC)


async def test_private_key_jwt_authenticates_its_client(rt, fapi):
    row = await authenticate_client(rt, jwt_form(assertion(rt, fapi)), None)
    assert row.id == fapi.row.id
    same = await authenticate_client(rt, jwt_form(assertion(rt, fapi), client_id=fapi.row.client_id), None)
    assert same.id == fapi.row.id


async def test_the_audience_must_be_the_issuer_as_a_string(rt, fapi):
    issuer = rt.settings.oidc_issuer
    for aud in (issuer.rstrip("/") + "/oidc/token", [issuer], "https://other.example", None):
        await refused(rt, jwt_form(assertion(rt, fapi, aud=aud)))
    await refused(rt, jwt_form(assertion(rt, fapi, drop=("aud",))))


async def test_exp_is_required_and_bounded(rt, fapi):
    now = int(rt.clock.now().timestamp())
    await refused(rt, jwt_form(assertion(rt, fapi, drop=("exp",))))
    await refused(rt, jwt_form(assertion(rt, fapi, exp=now)))  # expired
    await refused(rt, jwt_form(assertion(rt, fapi, exp=now - 30, iat=now - 90)))
    await refused(
        rt, jwt_form(assertion(rt, fapi, exp=now + MAX_ASSERTION_SECONDS + rt.settings.oidc_clock_skew_seconds + 1))
    )
    await refused(rt, jwt_form(assertion(rt, fapi, exp="soon")))
    await refused(rt, jwt_form(assertion(rt, fapi, exp=True)))
    assert await authenticate_client(rt, jwt_form(assertion(rt, fapi, exp=now + MAX_ASSERTION_SECONDS)), None)


async def test_iat_and_nbf_may_not_be_in_the_future(rt, fapi):
    later = int(rt.clock.now().timestamp()) + rt.settings.oidc_clock_skew_seconds + 5
    await refused(rt, jwt_form(assertion(rt, fapi, iat=later)))
    await refused(rt, jwt_form(assertion(rt, fapi, nbf=later)))
    await refused(rt, jwt_form(assertion(rt, fapi, iat="yesterday")))
    assert await authenticate_client(rt, jwt_form(assertion(rt, fapi, drop=("iat",))), None)  # iat is optional


async def test_iss_and_sub_must_be_the_client_id(rt, fapi):
    other = await make_oidc_client(rt)
    await refused(rt, jwt_form(assertion(rt, fapi, sub=other.row.client_id)))
    await refused(rt, jwt_form(assertion(rt, fapi, iss=other.row.client_id, sub=other.row.client_id)))  # not its key
    await refused(rt, jwt_form(assertion(rt, fapi, drop=("sub",))))
    await refused(rt, jwt_form(assertion(rt, fapi, drop=("iss",))))
    await refused(rt, jwt_form(assertion(rt, fapi, iss=42)))
    await refused(rt, jwt_form(assertion(rt, fapi), client_id=other.row.client_id))


async def test_jti_is_required_and_single_use(rt, fapi):
    await refused(rt, jwt_form(assertion(rt, fapi, drop=("jti",))))
    await refused(rt, jwt_form(assertion(rt, fapi, jti="")))
    token = assertion(rt, fapi)
    await authenticate_client(rt, jwt_form(token), None)
    problem = await refused(rt, jwt_form(token))
    assert "already used" in problem.description


async def test_a_jti_of_one_client_does_not_block_another(rt, fapi):
    other = await make_oidc_client(rt)
    await authenticate_client(rt, jwt_form(assertion(rt, fapi, jti="shared")), None)
    await authenticate_client(rt, jwt_form(assertion(rt, other, jti="shared")), None)


async def test_a_refused_assertion_does_not_spend_its_jti(rt, fapi):
    forged = assertion(rt, fapi, jti="j-1", key=jwk.ECKey.generate_key("P-256", private=True))
    await refused(rt, jwt_form(forged))
    assert await authenticate_client(rt, jwt_form(assertion(rt, fapi, jti="j-1")), None)


async def test_of_concurrent_replays_exactly_one_authenticates(rt, fapi):
    token = assertion(rt, fapi)
    outcomes: list[bool] = []

    async def present() -> None:
        try:
            await authenticate_client(rt, jwt_form(token), None)
            outcomes.append(True)
        except OAuthProblem:
            outcomes.append(False)

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(present)
    assert sorted(outcomes) == [False] * 9 + [True]


async def test_only_ps256_and_es256_signatures_by_the_clients_key(rt, fapi):
    await refused(rt, jwt_form(assertion(rt, fapi, key=jwk.ECKey.generate_key("P-256", private=True))))
    secret = jwk.OctKey.generate_key(256)
    await refused(rt, jwt_form(assertion(rt, fapi, header={"alg": "HS256"}, key=secret)))
    rsa = jwk.RSAKey.generate_key(2048, private=True)
    await refused(rt, jwt_form(assertion(rt, fapi, header={"alg": "RS256", "kid": "r"}, key=rsa)))
    body = assertion(rt, fapi).split(".")[1]
    none = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    await refused(rt, jwt_form(f"{none}.{body}.c2ln"))
    await refused(rt, jwt_form(assertion(rt, fapi, header={"kid": "unknown"})))
    await refused(rt, jwt_form(assertion(rt, fapi, header={"typ": "dpop+jwt"})))
    await refused(rt, jwt_form(assertion(rt, fapi, header={"b64": False, "crit": ["b64"]})))


async def test_a_ps256_assertion_with_an_rsa_key(rt, fapi):
    rsa = jwk.RSAKey.generate_key(2048, private=True)
    fapi.row.jwks = {"keys": [{**rsa.as_dict(private=False), "kid": "rsa-1"}]}
    await fapi.row.save()
    token = assertion(rt, fapi, header={"alg": "PS256", "kid": "rsa-1"}, key=rsa)
    assert (await authenticate_client(rt, jwt_form(token), None)).id == fapi.row.id


async def test_the_assertion_type_and_form(rt, fapi):
    token = assertion(rt, fapi)
    await refused(rt, {"client_assertion": token})
    await refused(
        rt, {**jwt_form(token), "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}
    )
    await refused(rt, {"client_assertion_type": ASSERTION_TYPE})
    for garbage in ("", "abc", "a.b.c", "x" * 9000, token + ".more"):
        await refused(rt, jwt_form(garbage))


async def test_unknown_and_disabled_clients_are_refused(rt, fapi, plain):
    token = assertion(rt, fapi)
    fapi.row.disabled_at = rt.clock.now()
    await fapi.row.save()
    await refused(rt, jwt_form(token))
    await refused(rt, {}, basic("no-such-client", "secret"))
    assert plain.secret
    plain.row.disabled_at = rt.clock.now()
    await plain.row.save()
    await refused(rt, {}, basic(plain.row.client_id, plain.secret))


async def test_client_secret_basic_authenticates_a_basic_client(rt, plain):
    assert plain.secret
    row = await authenticate_client(rt, {"grant_type": "authorization_code"}, basic(plain.row.client_id, plain.secret))
    assert row.id == plain.row.id
    body = {"client_id": plain.row.client_id}
    assert (await authenticate_client(rt, body, basic(plain.row.client_id, plain.secret))).id == plain.row.id


async def test_basic_credentials_are_form_urlencoded(rt):
    made = await make_oidc_client(rt, profile=ClientProfile.BASIC, client_id="rp:1 x")
    secret = "s3cr:t+/ &%="
    made.row.secret_digest = token_digest(secret)
    await made.row.save()
    assert (await authenticate_client(rt, {}, basic("rp:1 x", secret))).id == made.row.id


async def test_a_wrong_secret_is_refused_with_a_basic_challenge(rt, plain):
    problem = await refused(rt, {}, basic(plain.row.client_id, "wrong"))
    assert problem.headers["WWW-Authenticate"].startswith("Basic ")
    await refused(rt, {"client_id": "someone-else"}, basic(plain.row.client_id, plain.secret or ""))


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer abc",
        "Basic " + "A" * 2000,
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic " + base64.b64encode(b":secret").decode(),
    ],
)
async def test_malformed_basic_credentials(rt, header):
    problem = await refused(rt, {}, header)
    assert "WWW-Authenticate" in problem.headers


async def test_a_client_uses_exactly_its_registered_method(rt, fapi, plain):
    assert plain.secret
    # a basic client with an assertion, a FAPI client with a secret
    await refused(
        rt,
        {
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion(rt, fapi, iss=plain.row.client_id, sub=plain.row.client_id),
        },
    )
    fapi.row.secret_digest = token_digest("fapi-secret")
    await fapi.row.save()
    await refused(rt, {}, basic(fapi.row.client_id, "fapi-secret"))
    # two methods at once, client_secret_post, none at all
    problem = await refused(rt, jwt_form(assertion(rt, fapi)), basic(plain.row.client_id, plain.secret))
    assert "WWW-Authenticate" in problem.headers
    await refused(rt, {"client_id": plain.row.client_id, "client_secret": plain.secret})
    await refused(rt, {**jwt_form(assertion(rt, fapi)), "client_secret": "x"})
    problem = await refused(rt, {"client_id": fapi.row.client_id})
    assert "WWW-Authenticate" not in problem.headers


async def test_refusals_are_audited_without_the_credential(rt, fapi, plain):
    token = assertion(rt, fapi, aud="https://wrong.example")
    with pytest.raises(OAuthProblem):
        await authenticate_client(rt, jwt_form(token), None, client=ClientInfo("203.0.113.9"))
    with pytest.raises(OAuthProblem):
        await authenticate_client(rt, {}, basic(plain.row.client_id, "not-the-secret"))
    events = await AuditEvent.filter(event_type="oidc.client_auth_refused").order_by("at", "id")
    reasons = {(e.details["method"], e.details["reason"], e.details["client_id"]) for e in events}
    assert reasons == {
        ("private_key_jwt", "aud", fapi.row.client_id),
        ("client_secret_basic", "wrong_secret", plain.row.client_id),
    }
    assert any(e.client_address == "203.0.113.*" for e in events)
    text = repr([(e.details, e.client_address) for e in events])
    assert token not in text and token.split(".")[2] not in text and "not-the-secret" not in text
