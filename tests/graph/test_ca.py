"""CA certificates over HTTP (E4, E5): bind as a logged-in entity, then log in with the certificate."""

from __future__ import annotations

import pytest

from graph.context import SESSION_COOKIE
from tests.plugins.ca_factory import CaFactory, make_entity, make_person
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity
from uidp.services import ca_challenges
from uidp.services.principal import ClientInfo
from uidp.services.sessions import Sessions

pytestmark = pytest.mark.anyio

ERR = "... on Error { code message field }"
SEND = "mutation { sendBindCertificateCode { __typename ... on SmsCodeSent { maskedPhone } " + ERR + " } }"
START_BIND = (
    "mutation { startCertificateBinding { __typename ... on CertificateChallenge { challenge expiresAt } "
    + ERR
    + " } }"
)
BIND = (
    "mutation($i: BindCertificateInput!) { bindCertificate(input: $i) { __typename "
    "... on CertificateBound { serial notAfter level levelLabel } " + ERR + " } }"
)
START_LOGIN = (
    "mutation { startCertificateLogin { __typename ... on CertificateChallenge { challenge expiresAt } "
    "... on RateLimited { retryAfterSeconds } " + ERR + " } }"
)
LOGIN = (
    "mutation($i: LoginWithCertificateInput!) { loginWithCertificate(input: $i) { __typename "
    "... on LoginSuccess { token viewer { __typename ... on EntityAccount { id level } "
    "... on PersonAccount { id level } } } " + ERR + " } }"
)
ME = "{ me { __typename ... on EntityAccount { id level levelLabel } } }"
PHONE = "13900000001"


@pytest.fixture(params=["rsa", "sm2"])
def ca(request) -> CaFactory:
    return CaFactory(kind=request.param)


@pytest.fixture
def settings(make_settings, tmp_path, monkeypatch, ca):
    ca.write_root(tmp_path / "roots")
    monkeypatch.setenv("UIDP_CA_TRUST_DIR", str(tmp_path / "roots"))
    monkeypatch.delenv("UIDP_CA_CRL_FILES", raising=False)
    return make_settings()


async def session_of(rt, kind: str, subject_id) -> str:
    return (await Sessions(rt).issue(kind, subject_id, "password", ClientInfo("192.0.2.1"))).token


async def bind(api, token: str, leaf, *, phone: str = PHONE, challenge: str | None = None) -> dict:
    sent = (await api.data(SEND, token=token))["sendBindCertificateCode"]
    assert sent["__typename"] == "SmsCodeSent", sent
    if challenge is None:
        challenge = (await api.data(START_BIND, token=token))["startCertificateBinding"]["challenge"]
    variables = {
        "i": {
            "certificate": leaf.pem,
            "challenge": challenge,
            "signature": leaf.sign(challenge),
            "smsCode": api.last_code(phone),
        }
    }
    return (await api.data(BIND, variables, token=token))["bindCertificate"]


async def login(api, leaf, *, challenge: str | None = None, signer=None, chain=()) -> dict:
    if challenge is None:
        challenge = (await api.data(START_LOGIN))["startCertificateLogin"]["challenge"]
    variables = {
        "i": {
            "certificate": leaf.der_b64,
            "chain": list(chain),
            "challenge": challenge,
            "signature": (signer or leaf).sign(challenge),
        }
    }
    return (await api.data(LOGIN, variables))["loginWithCertificate"]


async def test_bind_then_log_in(api, rt, ca, client):
    methods = (await api.data("{ loginMethods { id label sandbox } }"))["loginMethods"]
    assert {"id": "ca", "label": "数字证书登录", "sandbox": False} in methods
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    sub = ca.intermediate()
    leaf = sub.issue()
    sent = (await api.data(SEND, token=token))["sendBindCertificateCode"]
    assert sent["maskedPhone"] == "139****0001"
    challenge = (await api.data(START_BIND, token=token))["startCertificateBinding"]["challenge"]
    variables = {
        "i": {
            "certificate": leaf.pem,
            "chain": [sub.root.pem],
            "challenge": challenge,
            "signature": leaf.sign(challenge),
            "smsCode": api.last_code(PHONE),
        }
    }
    bound = (await api.data(BIND, variables, token=token))["bindCertificate"]
    assert bound["__typename"] == "CertificateBound", bound
    assert (bound["level"], bound["levelLabel"]) == (3, "高级")
    assert (await api.data(ME, token=token))["me"]["levelLabel"] == "高级"

    result = await login(api, leaf, chain=[sub.root.der_b64])
    assert result["__typename"] == "LoginSuccess", result
    assert result["viewer"] == {"__typename": "EntityAccount", "id": str(entity.id), "level": "HIGH"}
    assert client.cookies.get(SESSION_COOKIE) == result["token"]
    me = (await api.data(ME, token=result["token"]))["me"]
    assert me["__typename"] == "EntityAccount" and me["id"] == str(entity.id)


async def test_replayed_and_expired_challenges(api, rt, ca, clock):
    entity = await make_entity(rt)
    leaf = ca.issue()
    assert (await bind(api, await session_of(rt, "entity", entity.id), leaf))["__typename"] == "CertificateBound"
    challenge = (await api.data(START_LOGIN))["startCertificateLogin"]["challenge"]
    assert (await login(api, leaf, challenge=challenge))["__typename"] == "LoginSuccess"
    replay = await login(api, leaf, challenge=challenge)
    assert (replay["code"], replay["field"]) == ("CHALLENGE_INVALID", "challenge")
    challenge = (await api.data(START_LOGIN))["startCertificateLogin"]["challenge"]
    clock.advance(ca_challenges.CHALLENGE_TTL_SECONDS + 1)
    assert (await login(api, leaf, challenge=challenge))["code"] == "CHALLENGE_INVALID"


async def test_a_certificate_bound_to_another_entity(api, rt, ca):
    first = await make_entity(rt)
    second = await make_entity(rt, "91420100MA4KYYYY2B", phone="13900000003")
    leaf = ca.issue(credit_code=None)
    assert (await bind(api, await session_of(rt, "entity", first.id), leaf))["__typename"] == "CertificateBound"
    result = await bind(api, await session_of(rt, "entity", second.id), leaf, phone="13900000003")
    assert result["code"] == "CERTIFICATE_BOUND_ELSEWHERE"
    assert (await Entity.get(id=second.id)).level == 2
    assert await CertificateBinding.filter(subject_id=second.id).count() == 0


async def test_credit_code_mismatch_and_bad_signature(api, rt, ca):
    entity = await make_entity(rt, "91420100MA4KYYYY2B")
    token = await session_of(rt, "entity", entity.id)
    assert (await bind(api, token, ca.issue()))["code"] == "CERTIFICATE_MISMATCH"
    assert await CertificateBinding.all().count() == 0


async def test_login_with_an_unbound_certificate(api, ca):
    result = await login(api, ca.issue())
    assert result["__typename"] == "FieldError"
    assert result["code"] == "CERTIFICATE_UNTRUSTED"
    stranger = CaFactory(kind="ec").issue()
    assert (await login(api, stranger))["code"] == "CERTIFICATE_UNTRUSTED"
    assert (await login(api, ca.issue(), signer=ca.issue()))["code"] == "SIGNATURE_INVALID"


async def test_a_level_2_entity_cannot_log_in_with_a_certificate(api, rt, ca):
    entity = await make_entity(rt)
    leaf = ca.issue()
    assert (await bind(api, await session_of(rt, "entity", entity.id), leaf))["__typename"] == "CertificateBound"
    await Entity.filter(id=entity.id).update(level=2)  # e.g. lowered by staff after binding
    result = await login(api, leaf)
    assert result["code"] == "FORBIDDEN" and "token" not in result


async def test_who_may_bind(api, rt):
    assert (await api.data(SEND))["sendBindCertificateCode"]["__typename"] == "NotAuthenticated"
    low = await make_person(rt, level=1)
    token = await session_of(rt, "person", low.id)
    assert (await api.data(START_BIND, token=token))["startCertificateBinding"]["__typename"] == "Forbidden"
    person = await make_person(rt, level=2, phone="13900000005", number="420102199001011231")
    token = await session_of(rt, "person", person.id)
    assert (await api.data(START_BIND, token=token))["startCertificateBinding"]["__typename"] == "CertificateChallenge"


async def test_login_challenges_are_rate_limited(api, monkeypatch):
    from uidp.services import ca_login

    monkeypatch.setattr(ca_login, "CHALLENGES_PER_HOUR", 1)
    assert (await api.data(START_LOGIN))["startCertificateLogin"]["__typename"] == "CertificateChallenge"
    limited = (await api.data(START_LOGIN))["startCertificateLogin"]
    assert limited["__typename"] == "RateLimited" and limited["retryAfterSeconds"] > 0
