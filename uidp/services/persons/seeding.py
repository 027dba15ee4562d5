"""Dev-only seeding of active persons with a known password (benchmarks, demos), in bulk."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from uidp.config import Settings
from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, gb11643_check_char
from uidp.models.credential import Credential, CredentialKind
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.runtime import Runtime
from uidp.security.blind_index import Lookup
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.shared.audit import Audit
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import Principal

#: Serials 0..MAX_SERIAL-1 have distinct valid resident ID numbers (1,000 a birth day, back from 1990-01-01).
MAX_SERIAL = 30_000_000
BATCH = 2_000
_FIRST_BIRTHDAY = date(1990, 1, 1)

Progress = Callable[[int, int, float], None]  # (persons done, asked, seconds since the start)


def demo_phone(serial: int) -> str:
    """The phone of seeded person ``serial``: 139 and eight digits (13900000000, 13900000001, ...)."""
    return f"139{serial:08d}"


def demo_resident_id(serial: int) -> str:
    """A valid Wuhan resident ID number (region 420102) for ``serial`` in 0..MAX_SERIAL-1: serials 0..999 are
    born 1990-01-01, each next thousand one day earlier."""
    born = _FIRST_BIRTHDAY - timedelta(days=serial // 1000)
    first17 = f"420102{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + gb11643_check_char(first17)


async def seed_persons(
    settings: Settings,
    count: int,
    password: str,
    *,
    actor: Principal | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Make sure persons 0..count-1 exist (active, phones :func:`demo_phone`, this password); returns their phones.

    Persons that already exist are kept as they are; the others are inserted ``BATCH`` at a time, each batch one
    transaction of two bulk inserts (persons, passwords). ``progress`` hears after every batch. Audited once.
    """
    if not 0 <= count <= MAX_SERIAL:
        raise ValueError(f"count must be between 0 and {MAX_SERIAL}")
    rt = Runtime.build(settings)
    pii, started = Pii(rt), time.monotonic()
    password_hash = await rt.hasher.hash(password)
    phones = [demo_phone(serial) for serial in range(count)]
    created = 0
    try:
        for first in range(0, count, BATCH):
            created += await _seed_batch(pii, rt, range(first, min(first + BATCH, count)), password_hash)
            if progress is not None:
                progress(min(first + BATCH, count), count, time.monotonic() - started)
        await Audit(rt).record("persons.seeded", actor=actor, count=count, created=created)
    finally:
        await rt.close()
    return phones


async def _seed_batch(pii: Pii, rt: Runtime, serials: range, password_hash: str) -> int:
    """Insert the persons of ``serials`` that do not exist yet; returns how many were inserted."""
    wanted = {serial: pii.phone_lookup(demo_phone(serial)) for serial in serials}
    held = Lookup.any_on("phone_index", wanted.values())
    existing = set(await Person.filter(**held).values_list("phone_index", flat=True))
    now = rt.clock.now()
    persons, credentials = [], []
    for serial, lookup in wanted.items():
        if any(digest in existing for digest in lookup.digests):
            continue
        person_id = uuid.uuid4()
        fields = seal_person_fields(
            pii,
            person_id,
            certificate_type=CertificateType.RESIDENT_ID.value,
            certificate_number=demo_resident_id(serial),
            name="测试" + "甲乙丙丁戊己庚辛壬癸"[serial % 10],
            phone=demo_phone(serial),
        )
        persons.append(
            Person(
                id=person_id,
                status=PersonStatus.ACTIVE,
                source=PersonSource.REGISTERED,
                gender="MALE" if serial % 2 else "FEMALE",
                level=1,
                created_at=now,
                updated_at=now,
                activated_at=now,
                **fields,
            )
        )
        credentials.append(
            Credential(
                id=uuid.uuid4(),
                subject_kind=SubjectKind.PERSON,
                subject_id=person_id,
                kind=CredentialKind.PASSWORD,
                secret_hash=password_hash,
                created_at=now,
                updated_at=now,
            )
        )
    if persons:
        async with in_transaction():
            await Person.bulk_create(persons)
            await Credential.bulk_create(credentials)
    return len(persons)
