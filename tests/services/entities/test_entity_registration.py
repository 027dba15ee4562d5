"""E1 (entity registration) and E2 (entity login) at the service level, against the sandbox registry."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date

import pytest

from plugins.sandbox import registry as sandbox
from tests.support import PASSWORD, resident_id, service_code
from uidp.domain.certificates import CertificateType, Gender, ValidityPeriod
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.credential import Credential
from uidp.models.entity import Entity, EntityStatus, EntityType
from uidp.models.person import Person, PersonStatus
from uidp.services.auth.login import LoginService
from uidp.services.entities.entities import EntityLookup, EntityViews, mask_entity_name
from uidp.services.entities.entity_registration import EntityRegistration, EntityRegistrationService
from uidp.services.persons.registration import PersonRegistration, RegistrationService
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SmsCodes, SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")
REP_PHONE = "15012340058"
CONTACT_PHONE = "13800001111"
ENTITY_PASSWORD = "Chutian#2026"


async def code_for(rt, phone, purpose=SmsPurpose.ENTITY_REGISTER):
    return await service_code(rt, phone, purpose, CLIENT)


async def register_person(rt, **overrides) -> Person:
    values = dict(
        name=sandbox.REPRESENTATIVE_NAME,
        certificate_type=CertificateType.RESIDENT_ID,
        certificate_number=sandbox.REPRESENTATIVE_ID,
        phone=REP_PHONE,
        sms_code="",
        password=PASSWORD,
        password_confirmation=PASSWORD,
        accept_terms=True,
        valid_from=date(2020, 1, 1),
        validity_period=ValidityPeriod.YEARS_20,
    )
    values.update(overrides)
    values["sms_code"] = await code_for(rt, values["phone"], SmsPurpose.REGISTER)
    return await RegistrationService(rt).register(PersonRegistration(**values), CLIENT)


@pytest.fixture
async def person(rt) -> Person:
    return await register_person(rt)


async def prove(rt, phone=REP_PHONE, password=PASSWORD, service=None):
    code = await code_for(rt, phone)
    return await (service or EntityRegistrationService(rt)).prove_representative(phone, code, password, CLIENT)


def entity_form(ticket, sms_code="000000", **overrides) -> EntityRegistration:
    values = dict(
        ticket=ticket,
        entity_name="湖北楚天测试科技有限公司",
        entity_type=EntityType.ENTERPRISE,
        credit_code=sandbox.ACTIVE_ENTERPRISE,
        contact_name="王五",
        contact_certificate_number=resident_id(seq="141"),
        contact_phone=CONTACT_PHONE,
        sms_code=sms_code,
        password=ENTITY_PASSWORD,
        password_confirmation=ENTITY_PASSWORD,
        accept_terms=True,
    )
    values.update(overrides)
    return EntityRegistration(**values)


async def register(rt, ticket, contact_phone=CONTACT_PHONE, **overrides) -> Entity:
    code = await code_for(rt, contact_phone)
    form = entity_form(ticket, code, contact_phone=contact_phone, **overrides)
    return await EntityRegistrationService(rt).register(form, CLIENT)


async def test_registration_stores_an_encrypted_level_2_entity_with_its_password(rt, person):
    proven = await prove(rt)
    assert proven.masked_name == "陈*" and proven.masked_certificate_number.endswith("121X")
    entity = await register(rt, proven.ticket)
    assert entity.status == EntityStatus.ACTIVE and entity.level == 2
    assert list(rt.plugins.verifiers["business_registry"].lookups) == [sandbox.ACTIVE_ENTERPRISE]
    assert entity.representative_id == person.id and entity.entity_type == EntityType.ENTERPRISE
    stored = await Entity.get(id=entity.id)
    for column in (stored.credit_code_enc, stored.name_enc, stored.contact_phone_enc, stored.contact_name_enc):
        assert sandbox.ACTIVE_ENTERPRISE not in column and CONTACT_PHONE not in column and "楚天" not in column
    assert await EntityLookup(rt).by_credit_code(sandbox.ACTIVE_ENTERPRISE) is not None
    credential = await Credential.get(subject_kind="entity", subject_id=entity.id)
    assert credential.secret_hash.startswith("$2b$04$")
    view = await EntityViews(rt).get(entity.id)
    assert view.masked_name == "湖北********公司"
    assert view.masked_credit_code == "91************011W"
    assert (view.masked_contact_name, view.masked_contact_phone) == ("王*", "138****1111")
    assert view.entity_type_label == "企业法人" and view.level.label == "中级"
    event = await AuditEvent.get(event_type="entity.registered")
    text = json.dumps(event.details, ensure_ascii=False)
    assert sandbox.ACTIVE_ENTERPRISE not in text and CONTACT_PHONE not in text and "91************011W" in text
    # The ticket and the contact's code are spent.
    with pytest.raises(DomainError) as again:
        await EntityRegistrationService(rt).register(entity_form(proven.ticket), CLIENT)
    assert again.value.code == ErrorCode.STEP_INVALID


async def test_one_representative_may_register_several_entities(rt, person):
    await register(rt, (await prove(rt)).ticket)
    await allow_resend(rt, REP_PHONE)
    second = await register(
        rt,
        (await prove(rt)).ticket,
        contact_phone="13800002222",
        entity_name="武汉市江岸区测试餐饮店",
        entity_type=EntityType.INDIVIDUAL_BUSINESS,
        credit_code=sandbox.INDIVIDUAL_BUSINESS,
    )
    assert second.entity_type == EntityType.INDIVIDUAL_BUSINESS
    assert await Entity.filter(representative_id=person.id).count() == 2


async def allow_resend(rt, phone, purpose=SmsPurpose.ENTITY_REGISTER):
    """Skip the resend interval (tests only): with Redis it runs on real time."""
    await rt.store.delete(SmsCodes(rt)._key("resend", purpose, phone))


async def upload_documents(rt):
    from uidp.models.upload import DocumentKind
    from uidp.services.shared.uploads import Uploads

    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64
    kinds = (DocumentKind.CERTIFICATE_FRONT, DocumentKind.CERTIFICATE_BACK, DocumentKind.SUPPORTING)
    return {kind: (await Uploads(rt).store(kind, "image/png", png, CLIENT)).id for kind in kinds}


async def test_a_foreign_representative_proves_with_an_approved_passport_account(rt):
    foreigner = await register_person(
        rt,
        name=sandbox.FOREIGN_REPRESENTATIVE_NAME,
        certificate_type=CertificateType.FOREIGN_PASSPORT,
        certificate_number=sandbox.FOREIGN_REPRESENTATIVE_PASSPORT,
        phone="13900000001",
        gender=Gender.MALE,
        birth_date=date(1980, 5, 1),
        valid_from=None,
        validity_period=None,
        documents=await upload_documents(rt),
    )
    assert foreigner.status == PersonStatus.PENDING_REVIEW
    with pytest.raises(DomainError) as pending:  # under review: not a real-name account yet
        await prove(rt, phone="13900000001")
    assert pending.value.code == ErrorCode.FORBIDDEN
    await Person.filter(id=foreigner.id).update(status=PersonStatus.ACTIVE)
    await allow_resend(rt, "13900000001")
    proven = await prove(rt, phone="13900000001")
    entity = await register(
        rt, proven.ticket, entity_name="湖北测试外资咨询有限公司", credit_code=sandbox.FOREIGN_REPRESENTATIVE
    )
    assert entity.representative_id == foreigner.id


# --- step 1: the representative -------------------------------------------------------------------------


async def test_a_phone_without_a_person_account_is_refused_after_the_code(rt):
    with pytest.raises(DomainError) as caught:
        await prove(rt, phone="13700000000")
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "phone")


async def test_a_wrong_sms_code_is_refused(rt, person):
    await code_for(rt, REP_PHONE)
    with pytest.raises(DomainError) as caught:
        await EntityRegistrationService(rt).prove_representative(REP_PHONE, "000000", PASSWORD, CLIENT)
    assert caught.value.code == ErrorCode.SMS_CODE_INVALID


async def test_a_wrong_password_counts_towards_the_persons_lockout(rt, person):
    code = await code_for(rt, REP_PHONE)
    service = EntityRegistrationService(rt)
    for _ in range(rt.settings.login_lock_after):
        with pytest.raises(DomainError) as caught:
            await service.prove_representative(REP_PHONE, code, "Wrong#2026pw", CLIENT)
        assert (caught.value.code, caught.value.field) == (ErrorCode.WRONG_PASSWORD, "password")
    # Locked now: the right password fails too, here and at the person login.
    with pytest.raises(DomainError) as locked:
        await service.prove_representative(REP_PHONE, code, PASSWORD, CLIENT)
    assert locked.value.code == ErrorCode.WRONG_PASSWORD
    assert await AuditEvent.filter(event_type="account.locked", subject_id=person.id).count() == 1
    with pytest.raises(DomainError) as login:
        await LoginService(rt).login_with_password(REP_PHONE, PASSWORD, ClientInfo("192.0.2.50"))
    # the failures counted on the person account: locked, answered like a wrong password (the phone typed
    # at the login has no failures of its own, so no captcha is shown for it)
    assert login.value.code == ErrorCode.INVALID_CREDENTIALS
    assert login.value.details["captcha_required"] is False


async def test_a_right_password_after_a_wrong_one_proves_and_spends_the_code(rt, person):
    code = await code_for(rt, REP_PHONE)
    service = EntityRegistrationService(rt)
    with pytest.raises(DomainError):
        await service.prove_representative(REP_PHONE, code, "Wrong#2026pw", CLIENT)
    proven = await service.prove_representative(REP_PHONE, code, PASSWORD, CLIENT)
    assert proven.ticket
    with pytest.raises(DomainError) as spent:
        await service.prove_representative(REP_PHONE, code, PASSWORD, CLIENT)
    assert spent.value.code == ErrorCode.SMS_CODE_INVALID


async def test_an_ineligible_certificate_type_is_refused(rt, person):
    await Person.filter(id=person.id).update(certificate_type=CertificateType.FOREIGN_PERMANENT_RESIDENCE.value)
    with pytest.raises(DomainError) as caught:
        await prove(rt)
    assert caught.value.code == ErrorCode.FORBIDDEN


async def test_the_ticket_expires(rt, person, clock):
    service = EntityRegistrationService(rt, ticket_seconds=1)
    proven = await prove(rt, service=service)
    clock.advance(2)
    await asyncio.sleep(1.1)  # Redis TTLs run on real time
    with pytest.raises(DomainError) as caught:
        await register(rt, proven.ticket)
    assert (caught.value.code, caught.value.field) == (ErrorCode.STEP_INVALID, "ticket")
    assert await Entity.all().count() == 0


async def test_a_made_up_ticket_is_refused(rt, person):
    with pytest.raises(DomainError) as caught:
        await EntityRegistrationService(rt).register(entity_form("not-a-ticket"), CLIENT)
    assert caught.value.code == ErrorCode.STEP_INVALID


# --- step 2: the entity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"entity_name": " "}, ErrorCode.REQUIRED, "entityName"),
        ({"credit_code": "91420100MA4KTC011X"}, ErrorCode.INVALID_CREDIT_CODE, "creditCode"),
        ({"credit_code": "91420100MA4KTC01"}, ErrorCode.INVALID_CREDIT_CODE, "creditCode"),
        ({"contact_name": "王5"}, ErrorCode.INVALID_NAME, "contactName"),
        ({"contact_certificate_number": "420102199001011211"}, ErrorCode.INVALID_ID_NUMBER, "contactCertificateNumber"),
        ({"contact_phone": "1380000"}, ErrorCode.INVALID_PHONE, "contactPhone"),
        ({"password": "weakpass", "password_confirmation": "weakpass"}, ErrorCode.WEAK_PASSWORD, "password"),
        ({"password_confirmation": "Chutian#2027"}, ErrorCode.PASSWORD_MISMATCH, "passwordConfirmation"),
        ({"accept_terms": False}, ErrorCode.TERMS_NOT_ACCEPTED, "acceptTerms"),
    ],
)
async def test_format_rules_store_nothing_and_keep_code_and_ticket(rt, person, overrides, code, field):
    proven = await prove(rt)
    sms = await code_for(rt, CONTACT_PHONE)
    service = EntityRegistrationService(rt)
    with pytest.raises(DomainError) as caught:
        await service.register(entity_form(proven.ticket, sms, **overrides), CLIENT)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert await Entity.all().count() == 0
    assert not rt.plugins.verifiers["business_registry"].lookups
    await service.register(entity_form(proven.ticket, sms), CLIENT)  # ticket and code still good


async def test_the_password_may_not_contain_the_credit_code(rt, person):
    proven = await prove(rt)
    password = "Aa#" + sandbox.ACTIVE_ENTERPRISE.lower()
    with pytest.raises(DomainError) as caught:
        await register(rt, proven.ticket, password=password, password_confirmation=password)
    assert caught.value.code == ErrorCode.WEAK_PASSWORD


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"credit_code": sandbox.UNKNOWN_CODE}, "unknown_code", "creditCode"),
        ({"credit_code": sandbox.REVOKED, "entity_name": "武汉测试建材有限公司"}, "not_active", "creditCode"),
        ({"credit_code": sandbox.CANCELLED, "entity_name": "武汉测试物流有限公司"}, "not_active", "creditCode"),
        ({"entity_name": "湖北楚天科技有限公司"}, "name", "entityName"),
        ({"entity_type": EntityType.OTHER}, "entity_type", "entityType"),
        (
            {"credit_code": sandbox.OTHER_REPRESENTATIVE, "entity_name": "湖北江汉测试贸易有限公司"},
            "representative",
            None,
        ),
    ],
)
async def test_registry_mismatches_store_nothing(rt, person, overrides, reason, field):
    proven = await prove(rt)
    sms = await code_for(rt, CONTACT_PHONE)
    with pytest.raises(DomainError) as caught:
        await EntityRegistrationService(rt).register(entity_form(proven.ticket, sms, **overrides), CLIENT)
    error = caught.value
    assert (error.code, error.details["reason"], error.field) == (ErrorCode.REGISTRY_MISMATCH, reason, field)
    assert await Entity.all().count() == 0 and await Credential.filter(subject_kind="entity").count() == 0
    refused = await AuditEvent.get(event_type="entity_registration.refused")
    assert refused.details["reason"] == f"registry_{reason}" and str(refused.subject_id) == str(person.id)
    assert sandbox.ACTIVE_ENTERPRISE not in json.dumps(refused.details)


async def test_a_revoked_entity_says_so(rt, person):
    proven = await prove(rt)
    with pytest.raises(DomainError) as caught:
        await register(rt, proven.ticket, credit_code=sandbox.REVOKED, entity_name="武汉测试建材有限公司")
    assert "吊销" in caught.value.message


async def test_ascii_parentheses_match_the_registrys_full_width_ones(rt, person):
    registry = rt.plugins.verifiers["business_registry"]
    record = registry.records[sandbox.ACTIVE_ENTERPRISE]
    registry.records[sandbox.ACTIVE_ENTERPRISE] = replace(record, name="湖北楚天测试科技（武汉）有限公司")
    entity = await register(rt, (await prove(rt)).ticket, entity_name="湖北楚天测试科技 (武汉) 有限公司")
    assert (await EntityViews(rt).get(entity.id)).masked_name.startswith("湖北")


async def test_an_unreachable_or_missing_registry_is_verifier_unavailable(rt, person):
    proven = await prove(rt)
    sms = await code_for(rt, CONTACT_PHONE)
    service = EntityRegistrationService(rt)
    with pytest.raises(DomainError) as down:
        await service.register(entity_form(proven.ticket, sms, credit_code=sandbox.UNAVAILABLE_CODE), CLIENT)
    assert down.value.code == ErrorCode.VERIFIER_UNAVAILABLE
    registry = rt.plugins.verifiers.pop("business_registry")
    try:
        with pytest.raises(DomainError) as missing:
            await service.register(entity_form(proven.ticket, sms), CLIENT)
        assert missing.value.code == ErrorCode.VERIFIER_UNAVAILABLE
    finally:
        rt.plugins.verifiers["business_registry"] = registry
    assert await Entity.all().count() == 0
    await service.register(entity_form(proven.ticket, sms), CLIENT)


async def test_a_taken_credit_code_is_refused_before_asking_the_registry(rt, person):
    await register(rt, (await prove(rt)).ticket)
    await allow_resend(rt, REP_PHONE)
    registry = rt.plugins.verifiers["business_registry"]
    registry.lookups.clear()
    with pytest.raises(DomainError) as caught:
        await register(rt, (await prove(rt)).ticket, contact_phone="13800002222")
    assert (caught.value.code, caught.value.field) == (ErrorCode.CREDIT_CODE_TAKEN, "creditCode")
    assert not registry.lookups
    assert await Entity.all().count() == 1


async def test_concurrent_registrations_of_one_code_have_exactly_one_winner(rt, person):
    first = await prove(rt)
    await allow_resend(rt, REP_PHONE)
    second = await prove(rt)
    forms = [
        entity_form(first.ticket, await code_for(rt, "13800001111"), contact_phone="13800001111"),
        entity_form(second.ticket, await code_for(rt, "13800002222"), contact_phone="13800002222"),
    ]
    service = EntityRegistrationService(rt)
    results = await asyncio.gather(*(service.register(f, CLIENT) for f in forms), return_exceptions=True)
    winners = [r for r in results if isinstance(r, Entity)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == ErrorCode.CREDIT_CODE_TAKEN
    assert await Entity.all().count() == 1
    assert await Credential.filter(subject_kind="entity").count() == 1


# --- E2: login ------------------------------------------------------------------------------------------


async def test_entity_login_by_credit_code_and_lockout(rt, person):
    entity = await register(rt, (await prove(rt)).ticket)
    login = LoginService(rt)
    outcome = await login.login_with_password(
        sandbox.ACTIVE_ENTERPRISE.lower(), ENTITY_PASSWORD, CLIENT, realm="entity"
    )
    assert (outcome.subject_kind, outcome.subject_id) == ("entity", entity.id)
    assert outcome.issued.session.subject_kind == "entity"
    # The person's password is not the entity's, and a person login cannot reach the entity.
    for identifier, password, realm in (
        (sandbox.ACTIVE_ENTERPRISE, PASSWORD, "entity"),
        (sandbox.UNKNOWN_CODE, ENTITY_PASSWORD, "entity"),
        ("not-a-code", ENTITY_PASSWORD, "entity"),
        (sandbox.ACTIVE_ENTERPRISE, ENTITY_PASSWORD, "person"),
    ):
        with pytest.raises(DomainError) as caught:
            await login.login_with_password(identifier, password, ClientInfo("192.0.2.77"), realm=realm)
        assert caught.value.code == ErrorCode.INVALID_CREDENTIALS


async def test_entity_login_locks_like_a_person_login(rt, person):
    await register(rt, (await prove(rt)).ticket)
    login = LoginService(rt)
    code = sandbox.ACTIVE_ENTERPRISE

    async def attempt(password: str, n: int, captcha: bool = True) -> DomainError:
        issued = await CaptchaService(rt).issue()
        extra = {"captcha_id": issued.id, "captcha_answer": CaptchaService(rt).peek(issued.id)} if captcha else {}
        with pytest.raises(DomainError) as caught:
            await login.login_with_password(code, password, ClientInfo(f"192.0.2.{n}"), realm="entity", **extra)
        return caught.value

    s = rt.settings
    for n in range(s.login_captcha_after):
        assert (await attempt("Wrong#2026pw", n, captcha=False)).code == ErrorCode.INVALID_CREDENTIALS
    assert (await attempt(ENTITY_PASSWORD, 50, captcha=False)).code == ErrorCode.CAPTCHA_REQUIRED
    for n in range(s.login_captcha_after, s.login_lock_after):
        assert (await attempt("Wrong#2026pw", n)).code == ErrorCode.INVALID_CREDENTIALS
    locked = await attempt(ENTITY_PASSWORD, 60)  # right password, right captcha, locked account
    assert locked.code == ErrorCode.INVALID_CREDENTIALS
    assert await AuditEvent.filter(event_type="account.locked", subject_kind="entity").count() == 1


def test_mask_entity_name():
    assert mask_entity_name("湖北楚天测试科技有限公司") == "湖北********公司"
    assert mask_entity_name("测试店") == "测**"
    assert mask_entity_name("武汉测试店") == "武汉*试店"
    assert mask_entity_name("") == ""
