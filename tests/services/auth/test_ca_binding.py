"""Binding a CA certificate (E5) and logging in with it (E4), at the service level."""

from __future__ import annotations

import uuid
from datetime import timedelta

import anyio
import pytest

from tests.plugins.ca_factory import CREDIT_CODE, NOW, PERSON_NUMBER, CaFactory, make_entity, make_person, write_crl
from tests.support import Api
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.services.auth import ca_challenges
from uidp.services.auth.ca_binding import CertificateBindings
from uidp.services.auth.ca_challenges import CaChallenges
from uidp.services.auth.ca_login import CertificateLoginService
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("203.0.113.9", "pytest")


@pytest.fixture
def ca() -> CaFactory:
    return CaFactory(kind="ec")


@pytest.fixture
def settings(make_settings, tmp_path, ca):
    ca.write_root(tmp_path / "roots")
    crl_file = str(tmp_path / "ca.crl")  # written by the tests that need one
    return make_settings(sms_resend_seconds=1, ca_trust_dir=str(tmp_path / "roots"), ca_crl_files=crl_file)


def principal_of(kind: str, row) -> Principal:
    return Principal(kind, row.id, uuid.uuid4())


async def bind(rt, principal, leaf, *, code: str | None = None, chain=(), signer=None, phone="13900000001"):
    service = CertificateBindings(rt)
    if code is None:
        try:
            await service.send_code(principal, CLIENT)
        except DomainError as error:  # the live code from an earlier call of this test is still good
            assert error.code == ErrorCode.SMS_TOO_FREQUENT
        code = Api(None, rt).last_code(phone)  # type: ignore[arg-type]
    challenge = (await service.start(principal)).challenge
    signature = (signer or leaf).sign(challenge)
    return await service.bind_certificate(principal, leaf.pem, list(chain), challenge, signature, code, CLIENT)


async def error_of(awaitable) -> ErrorCode:
    with pytest.raises(DomainError) as caught:
        await awaitable
    return caught.value.code


async def test_an_entity_binds_its_certificate_and_rises_to_level_3(rt, ca):
    entity = await make_entity(rt)
    leaf = ca.issue()
    bound = await bind(rt, principal_of("entity", entity), leaf)
    assert bound.level == 3
    assert (await Entity.get(id=entity.id)).level == 3
    row = await CertificateBinding.get(fingerprint=bound.fingerprint)
    assert row.subject_kind == "entity" and row.subject_id == entity.id
    assert "湖北测试" not in row.subject_dn_enc
    assert "湖北测试" in Pii(rt).open("ca_binding.subject_dn", row.id, row.subject_dn_enc)
    event = await AuditEvent.filter(event_type="ca.certificate_bound").first()
    assert event is not None and CREDIT_CODE not in str(event.details)


async def test_the_code_is_single_use_and_the_challenge_too(rt, ca):
    entity = await make_entity(rt)
    principal = principal_of("entity", entity)
    service = CertificateBindings(rt)
    await service.send_code(principal, CLIENT)
    code = Api(None, rt).last_code("13900000001")  # type: ignore[arg-type]
    leaf, second = ca.issue(), ca.issue()
    challenge = (await service.start(principal)).challenge
    # a failed attempt uses up the challenge but not the SMS code
    wrong = service.bind_certificate(principal, leaf.pem, [], challenge, second.sign(challenge), code, CLIENT)
    assert await error_of(wrong) == ErrorCode.SIGNATURE_INVALID
    replay = service.bind_certificate(principal, leaf.pem, [], challenge, leaf.sign(challenge), code, CLIENT)
    assert await error_of(replay) == ErrorCode.CHALLENGE_INVALID
    challenge = (await service.start(principal)).challenge
    await service.bind_certificate(principal, leaf.pem, [], challenge, leaf.sign(challenge), code, CLIENT)
    again = (await service.start(principal)).challenge
    reused = service.bind_certificate(principal, second.pem, [], again, second.sign(again), code, CLIENT)
    assert await error_of(reused) == ErrorCode.SMS_CODE_INVALID


async def test_wrong_sms_code_binds_nothing(rt, ca):
    entity = await make_entity(rt)
    principal = principal_of("entity", entity)
    await CertificateBindings(rt).send_code(principal, CLIENT)
    assert await error_of(bind(rt, principal, ca.issue(), code="000000")) in (ErrorCode.SMS_CODE_INVALID,)
    assert await CertificateBinding.all().count() == 0
    assert (await Entity.get(id=entity.id)).level == 2


async def test_credit_code_must_match(rt, ca):
    entity = await make_entity(rt, "91420100MA4KYYYY2B")
    principal = principal_of("entity", entity)
    assert await error_of(bind(rt, principal, ca.issue())) == ErrorCode.CERTIFICATE_MISMATCH
    # a certificate that names no credit code is refused too: possession of a key proves no entity
    assert await error_of(bind(rt, principal, ca.issue(credit_code=None))) == ErrorCode.CERTIFICATE_MISMATCH
    assert await CertificateBinding.all().count() == 0
    assert await AuditEvent.filter(event_type="ca.bind_refused").count() == 2
    await bind(rt, principal, ca.issue(credit_code="91420100MA4KYYYY2B", how="serial"))


async def test_a_certificate_bound_elsewhere(rt, ca, clock):
    first = await make_entity(rt)
    person = await make_person(rt, phone="13900000003")
    leaf = ca.issue(person_number=PERSON_NUMBER)  # names the entity and the person
    await bind(rt, principal_of("entity", first), leaf)
    code = await error_of(bind(rt, principal_of("person", person), leaf, phone="13900000003"))
    assert code == ErrorCode.CERTIFICATE_BOUND_ELSEWHERE
    clock.advance(2)  # past the resend interval (1 s here) before a new code: the memory store's clock
    await anyio.sleep(1.1)  # and Redis's real-time TTL
    assert await error_of(bind(rt, principal_of("entity", first), leaf)) == ErrorCode.ALREADY_EXISTS
    assert (await Person.get(id=person.id)).level == 2


async def test_challenge_for_another_subject_or_purpose_is_invalid(rt, ca):
    first = await make_entity(rt)
    other = await make_entity(rt, "91420100MA4KYYYY2B", phone="13900000003")
    service = CertificateBindings(rt)
    principal = principal_of("entity", first)
    await service.send_code(principal, CLIENT)
    code = Api(None, rt).last_code("13900000001")  # type: ignore[arg-type]
    leaf = ca.issue()
    for challenge in (
        (await service.start(principal_of("entity", other))).challenge,
        (await CaChallenges(rt).issue("login")).challenge,
        "made-up",
    ):
        call = service.bind_certificate(principal, leaf.pem, [], challenge, leaf.sign(challenge), code, CLIENT)
        assert await error_of(call) == ErrorCode.CHALLENGE_INVALID


async def test_an_expired_challenge_is_invalid(rt, ca, clock):
    challenges = CaChallenges(rt)
    issued = await challenges.issue("login")
    clock.advance(ca_challenges.CHALLENGE_TTL_SECONDS + 1)
    assert await error_of(challenges.take(issued.challenge, "login")) == ErrorCode.CHALLENGE_INVALID
    fresh = await challenges.issue("login")
    await challenges.take(fresh.challenge, "login")
    assert len(fresh.challenge) >= 43  # 256 bits, base64url


async def test_a_failed_proof_binds_nothing(rt, ca):
    entity = await make_entity(rt)
    principal = principal_of("entity", entity)
    leaf = ca.issue()
    assert await error_of(bind(rt, principal, leaf, signer=ca.issue())) == ErrorCode.SIGNATURE_INVALID
    stranger = CaFactory(kind="rsa").issue()
    assert await error_of(bind(rt, principal, stranger)) == ErrorCode.CERTIFICATE_UNTRUSTED
    assert await CertificateBinding.all().count() == 0
    assert await AuditEvent.filter(event_type="ca.bind_refused").count() == 2


async def test_a_person_may_bind_from_level_2(rt, ca):
    low = await make_person(rt, level=1, phone="13900000004", number="420102199001011231")
    assert await error_of(CertificateBindings(rt).start(principal_of("person", low))) == ErrorCode.FORBIDDEN
    person = await make_person(rt)
    await bind(rt, principal_of("person", person), ca.issue_person(), phone="13900000002")
    assert (await Person.get(id=person.id)).level == 3
    staff = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("administrator",))
    assert await error_of(CertificateBindings(rt).start(staff)) == ErrorCode.FORBIDDEN


async def test_login_with_a_bound_certificate(rt, ca):
    entity = await make_entity(rt)
    leaf = ca.issue()
    await bind(rt, principal_of("entity", entity), leaf)
    service = CertificateLoginService(rt)
    challenge = (await service.start(CLIENT)).challenge
    outcome = await service.login(leaf.pem, [], challenge, leaf.sign(challenge), CLIENT)
    assert (outcome.subject_kind, outcome.subject_id) == ("entity", entity.id)
    principal = await Sessions(rt).principal(outcome.issued.token)
    assert principal is not None and principal.kind == "entity" and principal.id == entity.id
    assert outcome.issued.session.login_method == "ca"
    replay = service.login(leaf.pem, [], challenge, leaf.sign(challenge), CLIENT)
    assert await error_of(replay) == ErrorCode.CHALLENGE_INVALID


async def test_login_refusals(rt, ca):
    service = CertificateLoginService(rt)
    unbound = ca.issue()
    challenge = (await service.start(CLIENT)).challenge
    assert (
        await error_of(service.login(unbound.pem, [], challenge, unbound.sign(challenge), CLIENT))
        == ErrorCode.CERTIFICATE_UNTRUSTED
    )
    entity = await make_entity(rt)
    leaf = ca.issue()
    await bind(rt, principal_of("entity", entity), leaf)
    await Entity.filter(id=entity.id).update(level=2)
    challenge = (await service.start(CLIENT)).challenge
    assert await error_of(service.login(leaf.pem, [], challenge, leaf.sign(challenge), CLIENT)) == ErrorCode.FORBIDDEN
    bind_challenge = (await CertificateBindings(rt).start(principal_of("entity", entity))).challenge
    call = service.login(leaf.pem, [], bind_challenge, leaf.sign(bind_challenge), CLIENT)
    assert await error_of(call) == ErrorCode.CHALLENGE_INVALID
    assert await AuditEvent.filter(event_type="login.failed").count() == 3


async def test_login_challenges_are_limited_per_address(rt):
    rt.settings.ca_challenges_per_hour = 2
    service = CertificateLoginService(rt)
    await service.start(CLIENT)
    await service.start(CLIENT)
    assert await error_of(service.start(CLIENT)) == ErrorCode.RATE_LIMITED
    await service.start(ClientInfo("198.51.100.1", "pytest"))


async def test_a_person_logs_in_with_a_bound_certificate(rt, ca):
    person = await make_person(rt)
    leaf = ca.issue_person()
    await bind(rt, principal_of("person", person), leaf, phone="13900000002")
    service = CertificateLoginService(rt)
    challenge = (await service.start(CLIENT)).challenge
    outcome = await service.login(leaf.der_b64, [], challenge, leaf.sign(challenge), CLIENT)
    assert outcome.subject_kind == "person" and outcome.person is not None and outcome.person.id == person.id


async def test_login_checks_revocation_and_dates_again(rt, ca, clock, tmp_path):
    entity = await make_entity(rt)
    leaf = ca.issue(not_after=NOW + timedelta(days=10))
    await bind(rt, principal_of("entity", entity), leaf)
    service = CertificateLoginService(rt)

    async def attempt() -> ErrorCode:
        challenge = (await service.start(CLIENT)).challenge
        return await error_of(service.login(leaf.pem, [], challenge, leaf.sign(challenge), CLIENT))

    clock.advance(11 * 86400)
    assert await attempt() == ErrorCode.CERTIFICATE_NOT_VALID_NOW
    clock.advance(-11 * 86400)
    # a CRL published after binding takes effect at the next login, without a restart
    write_crl(ca.crl(leaf.certificate), tmp_path / "ca.crl")
    assert await attempt() == ErrorCode.CERTIFICATE_REVOKED


async def test_binding_challenges_are_limited_per_subject(rt):
    rt.settings.ca_challenges_per_hour = 2
    entity, other = await make_entity(rt), await make_entity(rt, "91420100MA4KYYYY2B", phone="13900000003")
    service = CertificateBindings(rt)
    await service.start(principal_of("entity", entity))
    await service.start(principal_of("entity", entity))
    assert await error_of(service.start(principal_of("entity", entity))) == ErrorCode.RATE_LIMITED
    await service.start(principal_of("entity", other))


async def test_binding_tells_subscribed_connected_systems_of_the_level_change(rt, ca):
    """C3: a system that knows the entity (a consent) and subscribed gets an assurance-level-change, written with
    the binding; one that did not subscribe gets nothing."""
    from tests.oidc_support import make_oidc_client
    from uidp.models.oidc import OidcConsent
    from uidp.models.oidc_delivery import OidcDelivery

    entity = await make_entity(rt)
    level_change = "https://schemas.openid.net/secevent/caep/event-type/assurance-level-change"
    told = (await make_oidc_client(rt, event_uri="http://127.0.0.1:9/events", event_types=[level_change])).row
    quiet = (await make_oidc_client(rt, event_uri="http://127.0.0.1:9/events", event_types=[])).row
    now = rt.clock.now()
    for client in (told, quiet):
        await OidcConsent.create(
            id=uuid.uuid4(), subject_kind="entity", subject_id=entity.id, client_id=client.id, scopes=["openid"],
            granted_at=now, updated_at=now,
        )  # fmt: skip
    await bind(rt, principal_of("entity", entity), ca.issue())
    [row] = await OidcDelivery.filter(kind="event")
    assert row.client_id == told.id and row.payload["subject_kind"] == "entity"
    event = row.payload["event"]
    assert (event["previous_level"], event["current_level"], event["change_direction"]) == (
        "urn:uidp:level:2",
        "urn:uidp:level:3",
        "increase",
    )
