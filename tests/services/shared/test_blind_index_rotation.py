"""`uidp keys rotate-blind-index`: every blind index moves to a new key (or to HMAC-SM3) while persons keep
logging in by phone and ID number; uniqueness holds across both keys during the dual period; an interrupted
run resumes; rows that would collide are named and kept."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from tests.partner_login import PartnerPlugin
from tests.support import PASSWORD, resident_id
from uidp.models.binding import ExternalBinding
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.security.blind_index import BlindIndex
from uidp.services.shared.blind_index_rotation import INDEXED_COLUMNS, BlindIndexRotation
from uidp.services.shared.pii import Pii

pytestmark = pytest.mark.anyio

PHONES = ("15012340058", "15012340059", "15012340060")
NUMBERS = tuple(resident_id(seq=seq) for seq in ("121", "122", "123"))


def _moves(rt: Any) -> dict[str, tuple[BlindIndex, BlindIndex]]:
    """(the dual period's index, the index once the old scheme is dropped) for a new key and for HMAC-SM3."""
    old = rt.blind._current.key
    new = secrets.token_bytes(32)
    return {
        "new-key": (BlindIndex(new, previous=(old, "hmac-sha256")), BlindIndex(new)),
        "hmac-sm3": (BlindIndex(old, "hmac-sm3", previous=(old, "hmac-sha256")), BlindIndex(old, "hmac-sm3")),
    }


async def _register_all(api: Any) -> None:
    for phone, number in zip(PHONES, NUMBERS, strict=True):
        form = api.id_card_form(phone=phone, certificateNumber=number)
        assert (await api.register(form))["__typename"] == "PersonRegistered"


async def _digests() -> set[str]:
    found: set[str] = set()
    for column in INDEXED_COLUMNS:
        found |= set(
            await column.model.filter(**{f"{column.field}__isnull": False}).values_list(column.field, flat=True)
        )
    return found


def _expected(blind: BlindIndex, rt: Any) -> set[str]:
    pii = Pii(type("C", (), {"cipher": rt.cipher, "blind": blind})())
    wanted = {pii.phone_index(phone) for phone in PHONES}
    wanted |= {pii.certificate_index("RESIDENT_ID", number) for number in NUMBERS}
    return wanted | {pii.login_index(number) for number in NUMBERS}


@pytest.mark.parametrize("move", ["new-key", "hmac-sm3"])
async def test_rotation_while_persons_log_in_by_phone_and_id_number(api, rt, move):
    await _register_all(api)
    before = await _digests()
    dual, after = _moves(rt)[move]
    rt.blind = dual  # every worker restarted with the new scheme and UIDP_BLIND_INDEX_*_OLD
    logins: list[str] = []
    rotating = True

    async def keep_logging_in() -> None:
        while rotating:
            for identifier in (*PHONES, *NUMBERS):
                logins.append((await api.login(identifier, PASSWORD))["__typename"])

    traffic = asyncio.create_task(keep_logging_in())
    await asyncio.sleep(0)
    progress: list[str] = []
    report = await BlindIndexRotation(Pii(rt), batch=1, progress=progress.append).run()
    rotating = False
    await traffic
    assert logins and set(logins) == {"LoginSuccess"}, logins
    assert report.done and report.moved["person.phone_index"] == len(PHONES), report.lines()
    assert report.moved["person.certificate_index"] == report.moved["person.login_index"] == len(PHONES)
    assert any(line.startswith("person.login_index: ") for line in progress)
    assert await _digests() == _expected(after, rt) and not before & _expected(after, rt)

    rt.blind = after  # the old scheme dropped
    for identifier in (*PHONES, *NUMBERS):
        answer = await api.login(identifier, PASSWORD)
        assert answer["__typename"] == "LoginSuccess", answer
    wrong = await api.login(PHONES[0], "Wrong#2026pw")
    assert wrong["__typename"] != "LoginSuccess"
    again = await BlindIndexRotation(Pii(rt)).run()
    assert again.done and not any(again.moved.values())  # nothing left: a rerun is a no-op


@pytest.mark.parametrize("move", ["new-key", "hmac-sm3"])
async def test_a_duplicate_under_the_other_key_is_refused_during_the_dual_period(api, rt, clock, move):
    rt.settings.sms_resend_seconds = 1
    await _register_all(api)
    rt.blind = _moves(rt)[move][0]
    same_phone = await api.register(api.id_card_form(phone=PHONES[0], certificateNumber=resident_id(seq="131")))
    assert (same_phone["__typename"], same_phone["code"]) == ("AccountConflict", "PHONE_TAKEN"), same_phone
    same_number = await api.register(api.id_card_form(phone="15012340070", certificateNumber=NUMBERS[1]))
    assert (same_number["__typename"], same_number["code"]) == ("AccountConflict", "CERTIFICATE_TAKEN"), same_number
    assert await Person.all().count() == len(PHONES)

    await BlindIndexRotation(Pii(rt), batch=2).run()  # moved: the other way round, the same answers
    clock.advance(1.2)
    await asyncio.sleep(1.2)  # a Redis store keeps real time
    moved_phone = await api.register(api.id_card_form(phone=PHONES[0], certificateNumber=resident_id(seq="131")))
    assert moved_phone["code"] == "PHONE_TAKEN", moved_phone
    fresh = await api.register(api.id_card_form(phone="15012340071", certificateNumber=resident_id(seq="132")))
    assert fresh["__typename"] == "PersonRegistered", fresh
    assert (await api.login("15012340071", PASSWORD))["__typename"] == "LoginSuccess"
    assert await Person.all().count() == len(PHONES) + 1


async def test_an_interrupted_rotation_resumes_and_every_person_is_found_half_way(api, rt):
    await _register_all(api)
    dual, after = _moves(rt)["new-key"]
    rt.blind = dual
    lines: list[str] = []

    def killed_half_way(line: str) -> None:
        lines.append(line)
        if len(lines) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await BlindIndexRotation(Pii(rt), batch=1, progress=killed_half_way).run()
    halfway = await _digests()
    assert halfway & _expected(after, rt) and halfway - _expected(after, rt)  # some moved, some not yet
    for identifier in (*PHONES, *NUMBERS):
        assert (await api.login(identifier, PASSWORD))["__typename"] == "LoginSuccess"
    report = await BlindIndexRotation(Pii(rt), batch=1).run()
    assert report.done and await _digests() == _expected(after, rt)


async def test_rows_that_collide_under_the_new_key_are_named_and_kept(api, rt):
    await _register_all(api)
    old_digest = Pii(rt).phone_index(PHONES[0])
    dual, after = _moves(rt)["new-key"]
    rt.blind = after  # a worker that missed UIDP_BLIND_INDEX_KEY_OLD during the change-over: it sees no one
    stray = await api.register(api.id_card_form(phone=PHONES[0], certificateNumber=resident_id(seq="141")))
    assert stray["__typename"] == "PersonRegistered", stray
    rt.blind = dual
    report = await BlindIndexRotation(Pii(rt)).run()
    assert not report.done and len(report.collisions["person.phone_index"]) == 1
    assert any("collide" in line for line in report.lines())
    kept = await Person.get(id=report.collisions["person.phone_index"][0])
    assert kept.phone_index == old_digest and kept.id != (await Person.get(id=stray["account"]["id"])).id
    assert (await BlindIndexRotation(Pii(rt)).run()).collisions == report.collisions  # still named, still kept


async def test_entities_and_candidates_are_recomputed_from_their_rows(rt, api):
    from tests.plugins.ca_factory import make_entity
    from uidp.models.candidate import DelegationCandidate
    from uidp.services.delegation.candidates import name_index, name_lookup
    from uidp.services.entities.entities import EntityLookup

    await _register_all(api)
    person = await Person.get(**Pii(rt).phone_lookup(PHONES[0]).on("phone_index"))
    entity = await make_entity(rt, phone=PHONES[1])
    now = rt.clock.now()
    await DelegationCandidate.create(
        entity_id=entity.id, person_id=person.id, name_index=name_index(Pii(rt), "陈心"),
        added_by_kind="entity", added_by_id=entity.id, created_at=now,
    )  # fmt: skip
    code = Pii(rt).open("entity.credit_code", entity.id, entity.credit_code_enc)
    dual, after = _moves(rt)["hmac-sm3"]
    rt.blind = dual
    report = await BlindIndexRotation(Pii(rt)).run()
    assert report.moved["entity.credit_code_index"] == report.moved["entity.contact_phone_index"] == 1
    assert report.moved["delegation_candidate.name_index"] == 1
    rt.blind = after
    assert (await EntityLookup(rt).by_credit_code(code)).id == entity.id
    assert await DelegationCandidate.filter(**name_lookup(Pii(rt), "陈心").on("name_index")).count() == 1
    assert (await Entity.get(id=entity.id)).credit_code_index == Pii(rt).digest("credit_code", code)


@pytest.fixture
def extra_plugins() -> list[Any]:
    return [PartnerPlugin()]


async def test_a_partner_binding_moves_with_no_login_of_its_owner(api, rt, client, extra_plugins):
    """Decision 365: the binding keeps the partner's subject sealed, so the chore recomputes its digest; after the
    old key is dropped the owner, never seen during the rotation, still logs in through the partner."""
    from tests.graph.test_login_pipeline import bind, complete, partner_login, start

    plugin = extra_plugins[0]
    await _register_all(api)
    started = await start(client)
    needed = await complete(client, "partner", started["state"], code=plugin.authorize("partner", "partner-user-1"))
    assert (await bind(client, needed["ticket"], identifier=PHONES[0]))["__typename"] == "LoginSuccess"
    row = await ExternalBinding.get()
    assert row.subject_enc and "partner-user-1" not in row.subject_enc
    old_digest = row.subject_index
    dual, after = _moves(rt)["new-key"]
    rt.blind = dual
    report = await BlindIndexRotation(Pii(rt)).run()
    assert report.moved["external_binding.subject_index"] == 1
    assert report.waiting["external_binding.subject_index"] == 0
    assert not any("partner login" in line for line in report.lines())
    moved = (await ExternalBinding.get()).subject_index
    assert moved != old_digest and moved == Pii(rt).digest("binding:partner", "partner-user-1")
    rt.blind = after
    assert (await partner_login(client, plugin, "partner-user-1"))["__typename"] == "LoginSuccess"
    assert await ExternalBinding.all().count() == 1


async def test_a_binding_from_before_its_subject_was_kept_moves_at_its_owners_next_login(
    api, rt, client, extra_plugins
):
    from tests.graph.test_login_pipeline import bind, complete, partner_login, start

    plugin = extra_plugins[0]
    await _register_all(api)
    started = await start(client)
    needed = await complete(client, "partner", started["state"], code=plugin.authorize("partner", "partner-user-1"))
    assert (await bind(client, needed["ticket"], identifier=PHONES[0]))["__typename"] == "LoginSuccess"
    await ExternalBinding.all().update(subject_enc=None)  # as a row written before migration 0012
    old_digest = (await ExternalBinding.get()).subject_index
    dual, after = _moves(rt)["new-key"]
    rt.blind = dual
    report = await BlindIndexRotation(Pii(rt)).run()
    assert report.waiting["external_binding.subject_index"] == 1
    assert any("partner login" in line for line in report.lines())
    assert (await ExternalBinding.get()).subject_index == old_digest  # no chore can recompute it
    again = await partner_login(client, plugin, "partner-user-1")
    assert again["__typename"] == "LoginSuccess", again
    row = await ExternalBinding.get()
    assert row.subject_index != old_digest and row.subject_index == Pii(rt).digest("binding:partner", "partner-user-1")
    assert row.subject_enc is not None  # sealed at that login: the next rotation needs no login
    assert (await BlindIndexRotation(Pii(rt)).run()).waiting["external_binding.subject_index"] == 0
    rt.blind = after
    assert (await partner_login(client, plugin, "partner-user-1"))["__typename"] == "LoginSuccess"
    assert await ExternalBinding.all().count() == 1


async def test_a_pending_case_stays_unique_across_both_keys_and_its_key_is_recomputed(rt):
    from tortoise.exceptions import IntegrityError

    from uidp.models.review import CaseKind, ReviewCase
    from uidp.services.staff.review import ReviewCases

    def appeal(phone: str = PHONES[0]):
        return ReviewCases(rt).open(
            CaseKind.PHONE_APPEAL, notify_phone=phone, details={"phone": phone}, summary={}, pending_key=phone
        )

    case = await appeal()
    with pytest.raises(ValueError):  # a key the case does not hold could not be recomputed: refused
        await ReviewCases(rt).open(
            CaseKind.PHONE_APPEAL, notify_phone=PHONES[1], details={}, summary={}, pending_key=PHONES[0]
        )
    dual, after = _moves(rt)["new-key"]
    rt.blind = dual
    with pytest.raises(IntegrityError):  # pending under the previous key: still one per phone
        await appeal()
    report = await BlindIndexRotation(Pii(rt)).run()
    assert report.moved["review_case.pending_key"] == 1
    moved = await ReviewCase.get(id=case.id)
    assert moved.pending_key == Pii(rt).digest("case:PHONE_APPEAL", PHONES[0])
    rt.blind = after
    with pytest.raises(IntegrityError):  # and under the new one
        await appeal()
    assert (await appeal(PHONES[1])).pending_key == Pii(rt).digest("case:PHONE_APPEAL", PHONES[1])
    assert await ReviewCase.all().count() == 2
