"""`uidp seed-persons` (issue 13, item 6): exactly the persons asked for, in bulk batches, with progress; a second
run adds only the missing ones; every seeded person logs in."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support import LOGIN, PASSWORD
from uidp.domain.certificates import parse_resident_id
from uidp.models.credential import Credential
from uidp.models.person import Person
from uidp.services.persons.seeding import BATCH, MAX_SERIAL, demo_phone, demo_resident_id, seed_persons

pytestmark = pytest.mark.anyio


def test_serials_have_distinct_valid_numbers_and_phones():
    serials = [0, 1, 999, 1000, 1001, 999_999, 1_000_000, MAX_SERIAL - 1]
    numbers = [demo_resident_id(serial) for serial in serials]
    assert len(set(numbers)) == len(serials), numbers
    for number in numbers:
        parse_resident_id(number, today=date(2026, 12, 1))  # raises on a bad check character or birth date
    assert demo_resident_id(0).startswith("42010219900101000")  # the numbers seeded before stay the same
    assert [demo_phone(s) for s in (0, 1, 999_999)] == ["13900000000", "13900000001", "13900999999"]


async def test_exactly_the_count_in_batches_with_progress_and_again_only_the_missing(rt, settings, client):
    heard: list[tuple[int, int]] = []
    count = BATCH + 7
    phones = await seed_persons(settings, count, PASSWORD, progress=lambda done, total, _s: heard.append((done, total)))
    assert phones == [demo_phone(serial) for serial in range(count)]
    assert await Person.all().count() == count and await Credential.all().count() == count
    assert heard == [(BATCH, count), (count, count)]
    more = await seed_persons(settings, count + 3, PASSWORD)
    assert len(more) == count + 3 and await Person.all().count() == count + 3
    for phone in (phones[0], phones[-1], more[-1]):
        body = {"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
        answer = (await client.post("/graphql", json=body)).json()["data"]["loginWithPassword"]
        assert answer["__typename"] == "LoginSuccess", answer
    with pytest.raises(ValueError):
        await seed_persons(settings, MAX_SERIAL + 1, PASSWORD)
