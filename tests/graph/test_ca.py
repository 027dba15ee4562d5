"""CA certificates over HTTP (E4, E5): bind as a logged-in entity or person, then log in with the certificate.

Who could bind or log in without proving ownership (docs/decisions.md #35-#37) is tried here: another entity's
certificate, a person's certificate carrying another number, a certificate naming nobody, a weak key, a
certificate for other purposes, a certificate already bound to another account, and concurrent replays.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
import uuid
from collections import Counter

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from graph.context import SESSION_COOKIE
from tests.graph.ca_api import (
    ENTITY_PHONE,
    PERSON_PHONE,
    SEND,
    START_BIND,
    bind,
    bind_challenge,
    ca_settings,
    login,
    login_challenge,
    send_bind_code,
    session_of,
)
from tests.plugins.ca_factory import CaFactory, make_entity, make_person
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.services.auth import ca_challenges
from uidp.services.shared.pii import Pii

pytestmark = pytest.mark.anyio

ME = "{ me { __typename ... on EntityAccount { id level levelLabel } } }"
OTHER_CODE = "91420100MA4KYYYY2B"
LIMIT = 5  # UIDP_CA_CHALLENGES_PER_HOUR in this module
EXPECTED = ("CertificateBound", "CHALLENGE_INVALID")  # the answers to binds racing for one challenge


@pytest.fixture(params=["rsa", "sm2"])
def ca(request) -> CaFactory:
    return CaFactory(kind=request.param)


@pytest.fixture
def settings(make_settings, tmp_path, ca):
    return ca_settings(make_settings, tmp_path, ca, ca_challenges_per_hour=LIMIT)


async def test_bind_then_log_in(api, rt, ca, client):
    methods = (await api.data("{ loginMethods { id label sandbox } }"))["loginMethods"]
    assert {"id": "ca", "label": "数字证书登录", "sandbox": False} in methods
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    sub = ca.intermediate()
    leaf = sub.issue()
    sent = (await api.data(SEND, token=token))["sendBindCertificateCode"]
    assert sent["maskedPhone"] == "139****0001"
    bound = await bind(api, token, leaf, chain=(sub.root.pem,))
    assert bound["__typename"] == "CertificateBound", bound
    assert (bound["level"], bound["levelLabel"]) == (3, "高级")
    assert (await api.data(ME, token=token))["me"]["levelLabel"] == "高级"

    result = await login(api, leaf, chain=(sub.root.der_b64,))
    assert result["__typename"] == "LoginSuccess", result
    assert result["viewer"] == {"__typename": "EntityAccount", "id": str(entity.id), "level": "HIGH"}
    assert client.cookies.get(SESSION_COOKIE) == result["token"]
    me = (await api.data(ME, token=result["token"]))["me"]
    assert me["__typename"] == "EntityAccount" and me["id"] == str(entity.id)


async def test_replayed_and_expired_challenges(api, rt, ca, clock):
    entity = await make_entity(rt)
    leaf = ca.issue()
    assert (await bind(api, await session_of(rt, "entity", entity.id), leaf))["__typename"] == "CertificateBound"
    challenge = (await login_challenge(api))["challenge"]
    assert (await login(api, leaf, challenge=challenge))["__typename"] == "LoginSuccess"
    replay = await login(api, leaf, challenge=challenge)
    assert (replay["code"], replay["field"]) == ("CHALLENGE_INVALID", "challenge")
    challenge = (await login_challenge(api))["challenge"]
    clock.advance(ca_challenges.CHALLENGE_TTL_SECONDS + 1)
    assert (await login(api, leaf, challenge=challenge))["code"] == "CHALLENGE_INVALID"


async def assert_refused(rt, kind: str, subject, result: dict, code: str) -> None:
    assert result["__typename"] == "FieldError" and (result["code"], result["field"]) == (code, "certificate"), result
    assert await CertificateBinding.filter(subject_id=subject.id).count() == 0
    model = Entity if kind == "entity" else Person
    assert (await model.get(id=subject.id)).level == 2


async def test_an_entity_cannot_bind_another_entitys_certificate(api, rt, ca):
    # entity B holds a certificate (and its key) naming entity A's credit code
    await make_entity(rt)
    b = await make_entity(rt, OTHER_CODE, phone="13900000003")
    result = await bind(api, await session_of(rt, "entity", b.id), ca.issue(), phone="13900000003")
    await assert_refused(rt, "entity", b, result, "CERTIFICATE_MISMATCH")
    assert "不一致" in result["message"]


async def test_an_entity_certificate_without_a_credit_code_is_refused(api, rt, ca):
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    result = await bind(api, token, ca.issue(credit_code=None))
    await assert_refused(rt, "entity", entity, result, "CERTIFICATE_MISMATCH")
    assert "没有统一社会信用代码" in result["message"]
    # nor does a person's certificate (it names a number, not a credit code) bind to an entity
    await assert_refused(rt, "entity", entity, await bind(api, token, ca.issue_person()), "CERTIFICATE_MISMATCH")


async def test_a_person_certificate_must_carry_the_persons_number(api, rt, ca):
    person = await make_person(rt)
    token = await session_of(rt, "person", person.id)
    other = ca.issue_person("420102199001011231")  # another person's ID number
    await assert_refused(
        rt, "person", person, await bind(api, token, other, phone=PERSON_PHONE), "CERTIFICATE_MISMATCH"
    )
    nameless = ca.issue("张三", credit_code=None)
    result = await bind(api, token, nameless, phone=PERSON_PHONE)
    await assert_refused(rt, "person", person, result, "CERTIFICATE_MISMATCH")
    assert "没有证件号码" in result["message"]
    assert (await bind(api, token, ca.issue_person(), phone=PERSON_PHONE))["__typename"] == "CertificateBound"
    assert (await Person.get(id=person.id)).level == 3


async def test_weak_keys_and_other_purposes_are_refused(api, rt, ca, tmp_path):
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    rsa_ca = CaFactory(kind="rsa", label="RSA Root")
    rsa_ca.write_root(tmp_path / "roots")  # trusted from the next check on: roots are read at each check
    weak = rsa_ca.issue(kind="rsa1024")
    await assert_refused(rt, "entity", entity, await bind(api, token, weak), "CERTIFICATE_KEY_WEAK")
    assert (await login(api, weak))["code"] == "CERTIFICATE_KEY_WEAK"
    odd_curve = rsa_ca.issue(kind="secp256k1")
    await assert_refused(rt, "entity", entity, await bind(api, token, odd_curve), "CERTIFICATE_KEY_WEAK")
    server_only = ca.issue(purposes=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]))
    await assert_refused(rt, "entity", entity, await bind(api, token, server_only), "CERTIFICATE_USAGE_INVALID")


async def test_a_certificate_bound_to_another_account(api, rt, ca):
    # an employee certificate names both the entity and the person; whoever binds it first keeps it
    entity = await make_entity(rt)
    person = await make_person(rt)
    leaf = ca.issue(person_number="420102199001011215")
    assert (await bind(api, await session_of(rt, "entity", entity.id), leaf))["__typename"] == "CertificateBound"
    result = await bind(api, await session_of(rt, "person", person.id), leaf, phone=PERSON_PHONE)
    await assert_refused(rt, "person", person, result, "CERTIFICATE_BOUND_ELSEWHERE")
    assert (await login(api, leaf))["viewer"]["__typename"] == "EntityAccount"


async def test_a_binding_made_before_the_rule_no_longer_logs_in(api, rt, ca):
    # before issue 7 any entity could bind a certificate naming no credit code; such a row still exists
    entity = await make_entity(rt, level=3)
    leaf = ca.issue(credit_code=None)
    binding_id = uuid.uuid4()
    await CertificateBinding.create(
        id=binding_id, subject_kind="entity", subject_id=entity.id,
        fingerprint=hashlib.sha256(leaf.certificate.public_bytes(Encoding.DER)).hexdigest(),
        subject_dn_enc=Pii(rt).seal("ca_binding.subject_dn", binding_id, "CN=x"), serial="1", not_after=rt.clock.now(),
        created_at=rt.clock.now(),
    )  # fmt: skip
    result = await login(api, leaf)
    assert (result["code"], result["field"]) == ("CERTIFICATE_MISMATCH", "certificate"), result
    assert "token" not in result


async def test_a_bad_signature_binds_nothing(api, rt, ca):
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    result = await bind(api, token, ca.issue(), signer=ca.issue())
    assert (result["code"], result["field"]) == ("SIGNATURE_INVALID", "signature")
    assert await CertificateBinding.all().count() == 0


async def test_an_unbound_certificate_answers_like_an_untrusted_one(api, ca):
    unbound = ca.issue()  # trusted root, bound to nobody
    stranger = CaFactory(kind=ca.kind, label="Unknown Root").issue()  # a root nobody configured
    first, second = await login(api, unbound), await login(api, stranger)
    assert (
        first
        == second
        == {
            "__typename": "FieldError",
            "code": "CERTIFICATE_UNTRUSTED",
            "message": "证书不受信任或尚未绑定账号",
            "field": "certificate",
        }
    )
    # a wrong signature is found before the chain is looked at, so it also answers alike
    wrong_unbound = await login(api, unbound, signer=ca.issue())
    assert (
        wrong_unbound == await login(api, stranger, signer=ca.issue()) and wrong_unbound["code"] == "SIGNATURE_INVALID"
    )


async def test_unbound_and_untrusted_refusals_take_the_same_time(api, rt, ca):
    rt.settings.ca_challenges_per_hour = 200  # 2 x 25 timed attempts and their warm-up
    unbound, stranger = ca.issue(), CaFactory(kind=ca.kind, label="Unknown Root").issue()
    timings: dict[str, list[float]] = {"unbound": [], "untrusted": []}
    for round_number in range(26):
        for label, leaf in (("unbound", unbound), ("untrusted", stranger)):
            challenge = (await login_challenge(api))["challenge"]
            started = time.perf_counter()
            result = await login(api, leaf, challenge=challenge)
            elapsed = time.perf_counter() - started
            assert result["code"] == "CERTIFICATE_UNTRUSTED"
            if round_number:  # round 0 warms caches
                timings[label].append(elapsed)
    unbound_median, untrusted_median = (statistics.median(timings[k]) for k in ("unbound", "untrusted"))
    print(f"median refusal: unbound {unbound_median * 1000:.2f} ms, untrusted {untrusted_median * 1000:.2f} ms")
    assert 0.6 < unbound_median / untrusted_median < 1.6, (unbound_median, untrusted_median)


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


async def test_a_late_loser_of_a_binding_race_hears_its_challenge_is_used(api, rt, ca):
    # What the last of the racing binds below meets when the winner has already taken the challenge and then
    # the SMS code: both are used, and the answer is about the challenge (docs/decisions.md #395)
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    code, leaf = await send_bind_code(api, token, ENTITY_PHONE), ca.issue()
    challenge = (await bind_challenge(api, token))["challenge"]
    assert (await bind(api, token, leaf, challenge=challenge, code=code))["__typename"] == "CertificateBound"
    late = await bind(api, token, leaf, challenge=challenge, code=code)
    assert (late["code"], late["field"]) == ("CHALLENGE_INVALID", "challenge"), late


async def test_a_wrong_code_keeps_the_challenge_for_the_corrected_form(api, rt, ca):
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    code, leaf = await send_bind_code(api, token, ENTITY_PHONE), ca.issue()
    challenge = (await bind_challenge(api, token))["challenge"]
    wrong = await bind(api, token, leaf, challenge=challenge, code="000000" if code != "000000" else "111111")
    assert (wrong["code"], wrong["field"]) == ("SMS_CODE_INVALID", "smsCode"), wrong
    assert (await bind(api, token, leaf, challenge=challenge, code=code))["__typename"] == "CertificateBound"


async def test_concurrent_logins_check_at_most_the_limit_and_each_challenge_once(api, rt, ca):
    entity = await make_entity(rt)
    leaf = ca.issue()
    assert (await bind(api, await session_of(rt, "entity", entity.id), leaf))["__typename"] == "CertificateBound"
    issued = await asyncio.gather(*(login_challenge(api) for _ in range(30)))
    challenges = [item["challenge"] for item in issued if item["__typename"] == "CertificateChallenge"]
    assert len(challenges) == LIMIT  # counted when issued, before any signature is checked
    assert all(item["retryAfterSeconds"] > 0 for item in issued if item["__typename"] == "RateLimited")
    # six logins race for each challenge, all with the right signature: each challenge opens one session
    results = await asyncio.gather(*(login(api, leaf, challenge=c) for c in challenges for _ in range(6)))
    kinds = [result.get("code", result["__typename"]) for result in results]
    assert kinds.count("LoginSuccess") == LIMIT and kinds.count("CHALLENGE_INVALID") == 5 * LIMIT, kinds


async def test_concurrent_bindings_check_at_most_the_limit_and_each_challenge_once(api, rt, ca):
    # The SMS code's own tries are counted before each check too (tests/graph/test_limit_bursts.py); 24 requests
    # in flight with one right code would reach that limit first, and this test is about the challenges.
    rt.settings.sms_max_attempts = 100
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    code = await send_bind_code(api, token, ENTITY_PHONE)
    issued = await asyncio.gather(*(bind_challenge(api, token) for _ in range(30)))
    challenges = [item["challenge"] for item in issued if item["__typename"] == "CertificateChallenge"]
    assert len(challenges) == LIMIT
    leaf, impostor = ca.issue(), ca.issue()
    wrong = challenges[:-1]  # wrong keys: each challenge allows one signature check
    results = await asyncio.gather(
        *(bind(api, token, leaf, signer=impostor, challenge=c, code=code) for c in wrong for _ in range(6))
    )
    kinds = [result["code"] for result in results]
    assert kinds.count("SIGNATURE_INVALID") == len(wrong) and kinds.count("CHALLENGE_INVALID") == 5 * len(wrong)
    # the last challenge, raced by ten requests with the right key, binds once (a failure prints every other
    # answer in full, each with its count)
    last = challenges[-1]
    results = await asyncio.gather(*(bind(api, token, leaf, challenge=last, code=code) for _ in range(10)))
    kinds = [result.get("code", result["__typename"]) for result in results]
    others = Counter(repr(result) for kind, result in zip(kinds, results, strict=True) if kind not in EXPECTED)
    assert kinds.count("CertificateBound") == 1 and kinds.count("CHALLENGE_INVALID") == 9, f"{kinds}; {others}"
    assert await CertificateBinding.filter(subject_id=entity.id).count() == 1
    assert (await bind_challenge(api, token))["__typename"] == "RateLimited"
