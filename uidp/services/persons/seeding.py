"""Dev-only seeding of active persons with a known password (benchmarks, demos)."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from uidp.config import Settings
from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, gb11643_check_char
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.runtime import Runtime
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import Principal


def demo_resident_id(serial: int) -> str:
    """A valid Wuhan resident ID number (region 420102, born 1990-01-01) for serial 0..999."""
    first17 = f"42010219900101{serial % 1000:03d}"
    return first17 + gb11643_check_char(first17)


async def seed_persons(settings: Settings, count: int, password: str, *, actor: Principal | None = None) -> list[str]:
    """Create up to ``count`` active persons with phones 139000xxxxx; returns their phones (audited)."""
    rt = Runtime.build(settings)
    pii, lookup, now = Pii(rt), PersonLookup(rt), rt.clock.now()
    password_hash = await rt.hasher.hash(password)
    phones = []
    try:
        for serial in range(min(count, 1000)):
            phone = f"13900{serial:06d}"
            number = demo_resident_id(serial)
            phones.append(phone)
            if await lookup.by_phone(phone) is not None:
                continue
            person_id = uuid.uuid4()
            async with in_transaction():
                await Person.create(
                    id=person_id,
                    status=PersonStatus.ACTIVE,
                    source=PersonSource.REGISTERED,
                    **seal_person_fields(
                        pii,
                        person_id,
                        certificate_type=CertificateType.RESIDENT_ID.value,
                        certificate_number=number,
                        name="测试" + "甲乙丙丁戊己庚辛壬癸"[serial % 10],
                        phone=phone,
                    ),
                    gender="MALE" if serial % 2 else "FEMALE",
                    level=1,
                    created_at=now,
                    updated_at=now,
                    activated_at=now,
                )
                await Passwords(rt).store_hash(SubjectKind.PERSON, person_id, password_hash)
        await Audit(rt).record("persons.seeded", actor=actor, count=len(phones))
    finally:
        await rt.close()
    return phones
