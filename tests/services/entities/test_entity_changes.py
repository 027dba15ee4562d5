"""E7 (contact-phone change, both ways) and E8 (legal information checked with the business registry)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest

from plugins.sandbox import registry as sandbox
from tests.support import PASSWORD, resident_id, service_code
from uidp.domain.certificates import CertificateType
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.entity import Entity, EntityType
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.services.auth.sessions import Sessions
from uidp.services.entities.entity_changes import EntityChanges, LegalInformation, NewContact
from uidp.services.entities.entity_records import entity_view, open_entity, seal_entity_fields
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.sms import SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.21")
ENTITY_NAME = "湖北楚天测试科技有限公司"
CONTACT_PHONE = "13800001111"
NEW_PHONE = "13800002222"
ENTITY_PASSWORD = "Chutian#2026"
NEW_CONTACT_ID = resident_id(seq="151")


async def make_person(rt, name: str, number: str, phone: str, *, status=PersonStatus.ACTIVE) -> Person:
    """An active real-name person row written directly."""
    pii, now, person_id = Pii(rt), rt.clock.now(), uuid.uuid4()
    return await Person.create(
        id=person_id,
        status=status,
        source=PersonSource.REGISTERED,
        certificate_type="RESIDENT_ID",
        certificate_index=pii.certificate_index("RESIDENT_ID", number),
        certificate_number_enc=pii.seal("person.certificate_number", person_id, number),
        name_enc=pii.seal("person.name", person_id, name),
        phone_index=pii.phone_index(phone),
        phone_enc=pii.seal("person.phone", person_id, phone),
        level=2,
        created_at=now,
        updated_at=now,
        activated_at=now,
    )


async def make_entity(rt, *, code: str = sandbox.ACTIVE_ENTERPRISE, name: str = ENTITY_NAME) -> Entity:
    """The sandbox registry's ACTIVE_ENTERPRISE with 陈心 as representative, written directly (E1 is elsewhere)."""
    representative = await make_person(rt, sandbox.REPRESENTATIVE_NAME, sandbox.REPRESENTATIVE_ID, "15012340058")
    now = rt.clock.now()
    entity_id = uuid.uuid4()
    entity = await Entity.create(
        id=entity_id,
        entity_type=EntityType.ENTERPRISE,
        representative_id=representative.id,
        level=2,
        created_at=now,
        updated_at=now,
        **seal_entity_fields(
            Pii(rt),
            entity_id,
            credit_code=code,
            name=name,
            contact_name="王五",
            contact_certificate_number=resident_id(seq="141"),
            contact_phone=CONTACT_PHONE,
        ),
    )
    await Passwords(rt).store_hash("entity", entity_id, await rt.hasher.hash(ENTITY_PASSWORD))
    return entity


async def entity_principal(rt, entity: Entity) -> tuple[Principal, str]:
    issued = await Sessions(rt).issue("entity", entity.id, "password", CLIENT)
    principal = await Sessions(rt).principal(issued.token)
    assert principal is not None and principal.kind == "entity"
    return principal, issued.token


async def code_for(rt, phone: str, purpose: SmsPurpose) -> str:
    return await service_code(rt, phone, purpose, CLIENT)


def new_contact(code: str, **overrides) -> NewContact:
    values = dict(
        contact_name="赵六", contact_certificate_number=NEW_CONTACT_ID, contact_phone=NEW_PHONE, sms_code=code
    )
    values.update(overrides)
    return NewContact(**values)


async def events(kind: str) -> list[AuditEvent]:
    return await AuditEvent.filter(event_type=kind).order_by("at")


# ---- helpers the E1 engineer may reuse ----------------------------------------------------------------------


async def test_sealed_fields_round_trip_and_mask(rt):
    entity = await make_entity(rt)
    plain = open_entity(Pii(rt), entity)
    assert (plain.credit_code, plain.name, plain.contact_phone) == (
        sandbox.ACTIVE_ENTERPRISE,
        ENTITY_NAME,
        CONTACT_PHONE,
    )
    assert ENTITY_NAME not in entity.name_enc and CONTACT_PHONE not in entity.contact_phone_enc
    view = entity_view(rt, entity)
    assert view.masked_name == "湖北********公司"
    assert view.masked_contact_phone == "138****1111"


# ---- E7 (a): with the login password ------------------------------------------------------------------------


async def test_contact_change_with_password(rt):
    entity = await make_entity(rt)
    principal, token = await entity_principal(rt, entity)
    service = EntityChanges(rt)
    started = await service.verify_by_password(principal, ENTITY_PASSWORD, CLIENT)
    assert started.masked_contact_phone == "138****1111" and started.masked_entity_name == "湖北********公司"
    code = await code_for(rt, NEW_PHONE, SmsPurpose.ENTITY_CONTACT_PHONE)
    changed = await service.change_contact(started.ticket, new_contact(code), CLIENT)
    plain = open_entity(Pii(rt), changed)
    assert (plain.contact_name, plain.contact_certificate_number, plain.contact_phone) == (
        "赵六",
        NEW_CONTACT_ID,
        NEW_PHONE,
    )
    assert changed.contact_phone_index == Pii(rt).phone_index(NEW_PHONE)
    # the ticket and the code are spent
    with pytest.raises(DomainError) as reused:
        await service.change_contact(started.ticket, new_contact(code), CLIENT)
    assert reused.value.code == ErrorCode.STEP_INVALID
    again = await service.verify_by_password(principal, ENTITY_PASSWORD, CLIENT)
    with pytest.raises(DomainError) as spent:
        await service.change_contact(again.ticket, new_contact(code), CLIENT)
    assert spent.value.code == ErrorCode.SMS_CODE_INVALID
    # audited with masked values only; the session lives on
    [event] = await events("entity.contact_changed")
    assert event.details["old_contact_phone"] == "138****1111" and event.details["new_contact_phone"] == "138****2222"
    assert event.details["via"] == "password"
    assert NEW_PHONE not in str(event.details) and NEW_CONTACT_ID not in str(event.details)
    assert await Sessions(rt).principal(token) is not None


async def test_wrong_password_counts_for_the_entity_lockout(rt):
    entity = await make_entity(rt)
    principal, _ = await entity_principal(rt, entity)
    service = EntityChanges(rt)
    for _ in range(rt.settings.login_lock_after):
        with pytest.raises(DomainError) as wrong:
            await service.verify_by_password(principal, "Wrong#2026pw", CLIENT)
        assert wrong.value.code == ErrorCode.WRONG_PASSWORD
    # locked now: even the right password is refused, and nothing was issued
    with pytest.raises(DomainError) as locked:
        await service.verify_by_password(principal, ENTITY_PASSWORD, CLIENT)
    assert locked.value.code == ErrorCode.WRONG_PASSWORD
    assert await events("entity.contact_change_verified") == []
    assert len(await events("account.locked")) == 1


async def test_password_way_needs_an_entity_session(rt):
    person = await make_person(rt, "李四", resident_id(seq="171"), "15012349999")
    issued = await Sessions(rt).issue("person", person.id, "password", CLIENT)
    principal = await Sessions(rt).principal(issued.token)
    with pytest.raises(DomainError) as refused:
        await EntityChanges(rt).verify_by_password(principal, PASSWORD, CLIENT)
    assert refused.value.code == ErrorCode.FORBIDDEN


async def test_bad_second_step_stores_nothing(rt):
    entity = await make_entity(rt)
    principal, _ = await entity_principal(rt, entity)
    service = EntityChanges(rt)
    started = await service.verify_by_password(principal, ENTITY_PASSWORD, CLIENT)
    code = await code_for(rt, NEW_PHONE, SmsPurpose.ENTITY_CONTACT_PHONE)
    bad = [
        (new_contact("000000" if code != "000000" else "111111"), ErrorCode.SMS_CODE_INVALID),
        (new_contact(code, contact_certificate_number="420102199001011210"), ErrorCode.INVALID_ID_NUMBER),
        (new_contact(code, contact_phone="12345"), ErrorCode.INVALID_PHONE),
    ]
    for form, expected in bad:
        with pytest.raises(DomainError) as error:
            await service.change_contact(started.ticket, form, CLIENT)
        assert error.value.code == expected, form
    with pytest.raises(DomainError) as forged:
        await service.change_contact("not-a-ticket", new_contact(code), CLIENT)
    assert forged.value.code == ErrorCode.STEP_INVALID
    assert open_entity(Pii(rt), await Entity.get(id=entity.id)).contact_phone == CONTACT_PHONE


async def test_ticket_expires(rt, clock):
    entity = await make_entity(rt)
    principal, _ = await entity_principal(rt, entity)
    service = EntityChanges(rt, ticket_seconds=1)
    started = await service.verify_by_password(principal, ENTITY_PASSWORD, CLIENT)
    code = await code_for(rt, NEW_PHONE, SmsPurpose.ENTITY_CONTACT_PHONE)
    clock.advance(2)
    await asyncio.sleep(1.2)  # Redis TTLs run on real time
    with pytest.raises(DomainError) as expired:
        await service.change_contact(started.ticket, new_contact(code), CLIENT)
    assert expired.value.code == ErrorCode.STEP_INVALID


# ---- E7 (b): with the four enterprise elements --------------------------------------------------------------


async def test_contact_change_with_four_elements(rt):
    entity = await make_entity(rt)
    service = EntityChanges(rt)
    started = await service.verify_by_elements(
        sandbox.ACTIVE_ENTERPRISE.lower(), "湖北楚天测试科技有限公司", "陈心", sandbox.REPRESENTATIVE_ID.lower(), CLIENT
    )
    code = await code_for(rt, NEW_PHONE, SmsPurpose.ENTITY_CONTACT_PHONE)
    await service.change_contact(started.ticket, new_contact(code), CLIENT)
    assert open_entity(Pii(rt), await Entity.get(id=entity.id)).contact_phone == NEW_PHONE
    [event] = await events("entity.contact_changed")
    assert event.details["via"] == "elements"


@pytest.mark.parametrize(
    "elements",
    [
        (sandbox.OTHER_REPRESENTATIVE, ENTITY_NAME, "陈心", sandbox.REPRESENTATIVE_ID),  # another (unregistered) code
        (sandbox.ACTIVE_ENTERPRISE, "湖北楚天另一科技有限公司", "陈心", sandbox.REPRESENTATIVE_ID),
        (sandbox.ACTIVE_ENTERPRISE, ENTITY_NAME, "陈新", sandbox.REPRESENTATIVE_ID),
        (sandbox.ACTIVE_ENTERPRISE, ENTITY_NAME, "陈心", sandbox.OTHER_REPRESENTATIVE_ID),
    ],
)
async def test_four_elements_that_do_not_match(rt, elements):
    await make_entity(rt)
    with pytest.raises(DomainError) as mismatch:
        await EntityChanges(rt).verify_by_elements(*elements, CLIENT)
    assert mismatch.value.code == ErrorCode.ENTITY_ELEMENTS_MISMATCH
    assert mismatch.value.field is None  # the answer does not say which element differs
    [refused] = await events("entity.contact_change_refused")
    assert refused.outcome == "failure" and refused.details["reason"] == "elements_mismatch"


async def test_four_elements_are_rate_limited_per_address(rt):
    await make_entity(rt)
    service = EntityChanges(rt)
    codes = []
    for _ in range(11):
        try:
            await service.verify_by_elements(sandbox.ACTIVE_ENTERPRISE, ENTITY_NAME, "陈心", "E00000000", CLIENT)
        except DomainError as error:
            codes.append(error.code)
    assert codes[:10] == [ErrorCode.ENTITY_ELEMENTS_MISMATCH] * 10 and codes[10] == ErrorCode.RATE_LIMITED
    # another address is not affected
    with pytest.raises(DomainError) as other:
        await service.verify_by_elements(
            sandbox.ACTIVE_ENTERPRISE, ENTITY_NAME, "陈心", "E00000000", ClientInfo("198.51.100.99")
        )
    assert other.value.code == ErrorCode.ENTITY_ELEMENTS_MISMATCH


async def test_malformed_credit_code_is_a_format_error(rt):
    with pytest.raises(DomainError) as bad:
        await EntityChanges(rt).verify_by_elements("91420100MA4KTC01X0", ENTITY_NAME, "陈心", "X", CLIENT)
    assert bad.value.code == ErrorCode.INVALID_CREDIT_CODE


# ---- E8: legal information ----------------------------------------------------------------------------------


def registry(rt):
    found = rt.plugins.verifiers.get("business_registry")
    assert found is not None, "the sandbox business registry is installed by the dev profile"
    return found


async def test_legal_information_change_with_a_new_representative(rt):
    entity = await make_entity(rt)
    new_rep = await make_person(rt, sandbox.OTHER_REPRESENTATIVE_NAME, sandbox.OTHER_REPRESENTATIVE_ID, "15012341111")
    record = registry(rt).records[sandbox.ACTIVE_ENTERPRISE]
    registry(rt).records[sandbox.ACTIVE_ENTERPRISE] = replace(
        record,
        name="湖北楚天新名测试科技有限公司",
        representative_name=sandbox.OTHER_REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.OTHER_REPRESENTATIVE_ID,
    )
    principal, _ = await entity_principal(rt, entity)
    form = LegalInformation(
        entity_type=EntityType.ENTERPRISE,
        entity_name="湖北楚天新名测试科技有限公司",
        representative_name=sandbox.OTHER_REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.OTHER_REPRESENTATIVE_ID,
    )
    changed = await EntityChanges(rt).change_legal_information(principal, form, CLIENT)
    assert open_entity(Pii(rt), changed).name == "湖北楚天新名测试科技有限公司"
    assert changed.representative_id == new_rep.id
    assert registry(rt).lookups[-1] == sandbox.ACTIVE_ENTERPRISE
    [event] = await events("entity.legal_information_changed")
    assert event.details["old_name"] == "湖北********公司" and event.details["new_name"] == "湖北**********公司"
    assert event.details["old_representative_name"] == "陈*" and event.details["new_representative_name"] == "李*"
    assert event.details["representative_changed"] is True
    assert "湖北楚天新名" not in str(event.details)


def e8_form(**overrides) -> LegalInformation:
    values = dict(
        entity_type=EntityType.ENTERPRISE,
        entity_name=ENTITY_NAME,
        representative_name=sandbox.REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.REPRESENTATIVE_ID,
        representative_certificate_type=CertificateType.RESIDENT_ID,
    )
    values.update(overrides)
    return LegalInformation(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"entity_name": "湖北楚天改名测试科技有限公司"}, "entityName"),
        ({"entity_type": EntityType.INDIVIDUAL_BUSINESS}, "entityType"),
        ({"representative_name": "李明"}, "representativeName"),
        ({"representative_certificate_number": sandbox.OTHER_REPRESENTATIVE_ID}, "representativeCertificateNumber"),
    ],
)
async def test_registry_mismatch_changes_nothing(rt, overrides, field):
    entity = await make_entity(rt)
    principal, _ = await entity_principal(rt, entity)
    with pytest.raises(DomainError) as mismatch:
        await EntityChanges(rt).change_legal_information(principal, e8_form(**overrides), CLIENT)
    assert mismatch.value.code == ErrorCode.REGISTRY_MISMATCH and mismatch.value.field == field
    after = await Entity.get(id=entity.id)
    assert (after.name_enc, after.entity_type, after.representative_id) == (
        entity.name_enc,
        entity.entity_type,
        entity.representative_id,
    )
    assert await events("entity.legal_information_changed") == []
    [refused] = await events("entity.legal_change_refused")
    assert refused.outcome == "failure"


async def test_registry_record_not_active_or_unreachable(rt):
    entity = await make_entity(rt)
    principal, _ = await entity_principal(rt, entity)
    record = registry(rt).records[sandbox.ACTIVE_ENTERPRISE]
    registry(rt).records[sandbox.ACTIVE_ENTERPRISE] = replace(record, status="REVOKED")
    with pytest.raises(DomainError) as revoked:
        await EntityChanges(rt).change_legal_information(principal, e8_form(), CLIENT)
    assert revoked.value.code == ErrorCode.REGISTRY_MISMATCH and revoked.value.details["reason"] == "not_active"
    del registry(rt).records[sandbox.ACTIVE_ENTERPRISE]
    with pytest.raises(DomainError) as unknown:
        await EntityChanges(rt).change_legal_information(principal, e8_form(), CLIENT)
    assert unknown.value.code == ErrorCode.REGISTRY_MISMATCH and unknown.value.details["reason"] == "unknown_code"
    # an entity whose code the sandbox plays as unreachable
    other_id = uuid.uuid4()
    other = await Entity.create(
        **{
            **{
                k: getattr(entity, k) for k in ("entity_type", "representative_id", "level", "created_at", "updated_at")
            },
            "id": other_id,
            **seal_entity_fields(
                Pii(rt),
                other_id,
                credit_code=sandbox.UNAVAILABLE_CODE,
                name=ENTITY_NAME,
                contact_name="王五",
                contact_certificate_number=resident_id(seq="141"),
                contact_phone=CONTACT_PHONE,
            ),
        }
    )
    other_principal, _ = await entity_principal(rt, other)
    with pytest.raises(DomainError) as down:
        await EntityChanges(rt).change_legal_information(other_principal, e8_form(), CLIENT)
    assert down.value.code == ErrorCode.VERIFIER_UNAVAILABLE


async def test_new_representative_needs_a_real_name_account(rt):
    entity = await make_entity(rt)
    record = registry(rt).records[sandbox.ACTIVE_ENTERPRISE]
    registry(rt).records[sandbox.ACTIVE_ENTERPRISE] = replace(
        record,
        representative_name=sandbox.OTHER_REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.OTHER_REPRESENTATIVE_ID,
    )
    principal, _ = await entity_principal(rt, entity)
    form = e8_form(
        representative_name=sandbox.OTHER_REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.OTHER_REPRESENTATIVE_ID,
    )
    with pytest.raises(DomainError) as missing:
        await EntityChanges(rt).change_legal_information(principal, form, CLIENT)
    assert missing.value.code == ErrorCode.NOT_FOUND
    assert (await Entity.get(id=entity.id)).representative_id == entity.representative_id


async def test_legal_change_needs_an_entity_session(rt):
    person = await make_person(rt, "李四", resident_id(seq="171"), "15012349999")
    issued = await Sessions(rt).issue("person", person.id, "password", CLIENT)
    principal = await Sessions(rt).principal(issued.token)
    with pytest.raises(DomainError) as refused:
        await EntityChanges(rt).change_legal_information(principal, e8_form(), CLIENT)
    assert refused.value.code == ErrorCode.FORBIDDEN
