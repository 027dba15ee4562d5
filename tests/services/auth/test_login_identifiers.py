"""The login identifier space at the service level: the database decides, and old rows are backfilled."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from tests.support import register_person, resident_id
from uidp.domain.certificates import CertificateType
from uidp.domain.login_identifiers import as_phone, certificate_login_key
from uidp.models.person import Person
from uidp.services.auth.login_identifiers import LoginIdentifiers
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")


def test_identifier_forms():
    assert as_phone("+86 150-1234-0058") == "15012340058"
    assert as_phone(resident_id()) is None
    assert certificate_login_key(" e1234５678 ") == "E12345678"


async def twin(rt, original: Person, certificate_type: CertificateType, *, login_index: str | None, **extra) -> Person:
    """A second row with the same number under another type, written past every service check."""
    pii, twin_id = Pii(rt), uuid.uuid4()
    number = pii.open("person.certificate_number", original.id, original.certificate_number_enc)
    return await Person.create(
        id=twin_id,
        status=original.status,
        source=original.source,
        certificate_type=certificate_type.value,
        certificate_index=pii.certificate_index(certificate_type.value, number),
        login_index=login_index,
        certificate_number_enc=pii.seal("person.certificate_number", twin_id, number),
        name_enc=pii.seal("person.name", twin_id, "陈心"),
        level=1,
        created_at=extra.get("created_at", original.created_at),
        updated_at=original.updated_at,
    )


async def test_the_database_refuses_a_second_account_for_one_login_number(rt):
    person = await register_person(rt, CLIENT)
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await twin(rt, person, CertificateType.FOREIGN_PASSPORT, login_index=person.login_index)
    assert await Person.all().count() == 1


async def test_backfill_gives_old_rows_their_index_and_the_oldest_keeps_a_shared_number(rt):
    older = await register_person(rt, CLIENT)
    other = await register_person(rt, CLIENT, phone="15012340059", seq="122")
    newer = await twin(
        rt, older, CertificateType.OTHER, login_index=None, created_at=older.created_at + timedelta(seconds=1)
    )
    await Person.all().update(login_index=None)  # as rows made before the login index existed
    lookup = PersonLookup(rt)
    assert await lookup.by_identifier(resident_id()) is None

    report = await LoginIdentifiers(Pii(rt)).backfill()

    assert (report.filled, report.conflicting) == (2, [newer.id])
    assert (await lookup.by_identifier(resident_id())).id == older.id
    assert (await lookup.by_identifier(resident_id(seq="122"))).id == other.id
    assert (await Person.get(id=newer.id)).login_index is None
    assert (await LoginIdentifiers(Pii(rt)).backfill()).filled == 0  # idempotent
