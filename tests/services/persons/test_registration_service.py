"""P1a-P1e and P2 at the service level (the GraphQL tests cover the same through HTTP)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from tests.support import PASSWORD, resident_id, service_code
from uidp.domain.certificates import CertificateType, Gender, ValidityPeriod
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.credential import Credential
from uidp.models.person import Person, PersonStatus
from uidp.services.persons.activation import ActivationService
from uidp.services.persons.registration import PersonRegistration, RegistrationService
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")


async def code_for(rt, phone, purpose=SmsPurpose.REGISTER):
    return await service_code(rt, phone, purpose, CLIENT)


def form(**overrides):
    values = dict(
        name="陈心",
        certificate_type=CertificateType.RESIDENT_ID,
        certificate_number=resident_id(),
        phone="15012340058",
        sms_code="000000",
        password=PASSWORD,
        password_confirmation=PASSWORD,
        accept_terms=True,
        valid_from=date(2020, 1, 1),
        validity_period=ValidityPeriod.YEARS_20,
    )
    values.update(overrides)
    return PersonRegistration(**values)


async def test_registration_stores_encrypted_person_and_bcrypt_credential(rt):
    person = await RegistrationService(rt).register(form(sms_code=await code_for(rt, "15012340058")), CLIENT)
    assert person.status == PersonStatus.ACTIVE and person.level == 1
    assert person.gender == Gender.FEMALE.value or person.gender == Gender.MALE.value
    assert "15012340058" not in person.phone_enc
    credential = await Credential.get(subject_id=person.id)
    assert credential.secret_hash.startswith("$2b$04$")


async def test_failed_validation_keeps_the_code(rt):
    code = await code_for(rt, "15012340058")
    with pytest.raises(DomainError) as weak:
        await RegistrationService(rt).register(
            form(sms_code=code, password="weakpass", password_confirmation="weakpass"), CLIENT
        )
    assert weak.value.code == ErrorCode.WEAK_PASSWORD
    await RegistrationService(rt).register(form(sms_code=code), CLIENT)


async def test_concurrent_duplicates_lose_cleanly(rt):
    phones = [f"1501234{n:04d}" for n in range(6)]
    forms = [form(phone=p, sms_code=await code_for(rt, p)) for p in phones]
    results = await asyncio.gather(
        *(RegistrationService(rt).register(f, CLIENT) for f in forms), return_exceptions=True
    )
    created = [r for r in results if isinstance(r, Person)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(created) == 1, results
    assert {e.code for e in refused} == {ErrorCode.CERTIFICATE_TAKEN}
    assert await Person.all().count() == 1
    assert await Credential.all().count() == 1


async def test_concurrent_same_phone_different_ids(rt):
    code = await code_for(rt, "15012340058")
    forms = [form(certificate_number=resident_id(seq=f"{n:03d}"), sms_code=code) for n in range(100, 106)]
    results = await asyncio.gather(
        *(RegistrationService(rt).register(f, CLIENT) for f in forms), return_exceptions=True
    )
    assert sum(isinstance(r, Person) for r in results) == 1
    assert await Person.all().count() == 1


async def test_activation_flow(rt):
    service = ActivationService(rt)
    csv = f"name,certificate_type,certificate_number,phone\n陈心,RESIDENT_ID,{resident_id()},15012340058\n"
    assert (await service.import_csv(csv)).created == 1
    await RegistrationService(rt).check_certificate(CertificateType.RESIDENT_ID, resident_id(), CLIENT)  # format only
    from uidp.services.persons.activation import PersonActivation

    code = await code_for(rt, "15012340058", SmsPurpose.ACTIVATE)
    person = await service.activate(
        PersonActivation(
            CertificateType.RESIDENT_ID,
            resident_id(),
            date(2020, 1, 1),
            ValidityPeriod.LONG_TERM,
            code,
            PASSWORD,
            PASSWORD,
            True,
        ),
        CLIENT,
    )
    assert person.status == PersonStatus.ACTIVE and person.activated_at is not None
