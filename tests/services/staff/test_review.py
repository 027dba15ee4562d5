"""A1 at the service level: one decision per case even when two reviewers click at once; failed effects
roll the decision back."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.person import Person
from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.services.persons.seeding import seed_persons
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.staff.case_decisions import CaseDecisions
from uidp.services.staff.review import ReviewCases

pytestmark = pytest.mark.anyio
REVIEWER = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("reviewer",))
CLIENT = ClientInfo("192.0.2.1")


async def open_certificate_appeal(rt, person_id, new_phone="15012347777"):
    return await ReviewCases(rt).open(
        CaseKind.CERTIFICATE_APPEAL,
        notify_phone=new_phone,
        details={"new_phone": new_phone, "password_hash": await rt.hasher.hash("Appeal#2026ok")},
        summary={},
        person_id=person_id,
        pending_key=str(person_id),
    )


async def test_two_reviewers_at_once_decide_once(rt, settings):
    await seed_persons(settings, 1, "Seed#Pass2026")
    person = await Person.first()
    case = await open_certificate_appeal(rt, person.id)
    results = await asyncio.gather(
        *(CaseDecisions(rt).decide(REVIEWER, case.id, approve=True, reason=None, client=CLIENT) for _ in range(4)),
        return_exceptions=True,
    )
    decided = [r for r in results if isinstance(r, ReviewCase)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(decided) == 1, results
    assert {e.code for e in refused} == {ErrorCode.CASE_ALREADY_DECIDED}


async def test_a_failing_effect_keeps_the_case_pending(rt, settings):
    phones = await seed_persons(settings, 2, "Seed#Pass2026")
    owner = await Person.get(phone_index=rt.blind.digest("phone", phones[0]))
    case = await open_certificate_appeal(rt, owner.id, new_phone=phones[1])  # taken meanwhile by person 2
    with pytest.raises(DomainError) as taken:
        await CaseDecisions(rt).decide(REVIEWER, case.id, approve=True, reason=None, client=CLIENT)
    assert taken.value.code == ErrorCode.PHONE_TAKEN
    assert (await ReviewCase.get(id=case.id)).status == CaseStatus.PENDING
    rejected = await CaseDecisions(rt).decide(
        REVIEWER, case.id, approve=False, reason="新手机号已被占用", client=CLIENT
    )
    assert rejected.status == CaseStatus.REJECTED


async def test_one_pending_case_per_subject(rt, settings):
    from tortoise.exceptions import IntegrityError

    await seed_persons(settings, 1, "Seed#Pass2026")
    person = await Person.first()
    await open_certificate_appeal(rt, person.id)
    with pytest.raises(IntegrityError):
        await open_certificate_appeal(rt, person.id)


async def test_case_details_are_encrypted(rt, settings):
    await seed_persons(settings, 1, "Seed#Pass2026")
    person = await Person.first()
    case = await open_certificate_appeal(rt, person.id, new_phone="15012347777")
    stored = await ReviewCase.get(id=case.id)
    assert "15012347777" not in stored.details_enc + stored.notify_phone_enc
    assert ReviewCases(rt).details(stored)["new_phone"] == "15012347777"
