"""seal_person_fields: the one place a person's identifying values become columns (every creating service uses it)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from tests.support import resident_id
from uidp.security.cipher import CipherError
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.shared.pii import Pii

pytestmark = pytest.mark.anyio


async def test_the_columns_open_for_their_row_and_the_indexes_find_them(rt):
    pii, person_id, number = Pii(rt), uuid.uuid4(), resident_id()
    fields = seal_person_fields(
        pii,
        person_id,
        certificate_type="RESIDENT_ID",
        certificate_number=number,
        name="陈心",
        phone="15012340058",
        birth_date=date(1990, 1, 1),
    )
    assert fields["certificate_type"] == "RESIDENT_ID"
    assert fields["certificate_index"] == pii.certificate_index("RESIDENT_ID", number)
    assert fields["login_index"] == pii.login_index(number)
    assert fields["phone_index"] == pii.phone_index("15012340058")
    assert pii.open("person.certificate_number", person_id, fields["certificate_number_enc"]) == number
    assert pii.open("person.name", person_id, fields["name_enc"]) == "陈心"
    assert pii.open("person.phone", person_id, fields["phone_enc"]) == "15012340058"
    assert pii.open("person.birth_date", person_id, fields["birth_date_enc"]) == "1990-01-01"
    with pytest.raises(CipherError):  # sealed for this row only
        pii.open("person.name", uuid.uuid4(), fields["name_enc"])


async def test_only_the_given_values_are_written(rt):
    fields = seal_person_fields(Pii(rt), uuid.uuid4(), phone="15012340058")
    assert set(fields) == {"phone_index", "phone_enc"}
    with pytest.raises(ValueError):
        seal_person_fields(Pii(rt), uuid.uuid4(), certificate_number=resident_id())
