"""plugins.elicense through HTTP (E6): a 60 s ticket refreshed every minute, the licence platform's signed
confirmation matched to the entity by credit code, the scanner recorded as the session's actor, and the
refusals (a credit code failing GB 32100, an unregistered scanner, a false legal representative)."""

from __future__ import annotations

import pytest

from tests.plugins.ca_factory import make_person
from tests.plugins.elicense.conftest import MANAGER, REPRESENTATIVE, scan
from tests.plugins.scan_channels import redeem, start, status
from uidp.models.audit import AuditEvent
from uidp.models.session import Session
from uidp.plugin_api import make_credit_code

pytestmark = pytest.mark.anyio


async def test_the_legal_representative_logs_the_entity_in_and_is_recorded(client, licence, entity):
    ticket = await start(client, "elicense")
    assert ticket["refreshSeconds"] == 60
    assert (await licence.confirm(ticket["ticket"], **scan(entity)))[0] == 200
    done = await redeem(client, ticket)
    assert done["__typename"] == "LoginSuccess" and done["viewer"]["id"] == str(entity.id), done
    session = await Session.get(subject_id=entity.id)
    assert (session.subject_kind, session.login_method) == ("entity", "elicense")
    assert (session.actor_id, session.actor_role) == (entity.representative.id, "legal_representative")
    event = await AuditEvent.get(event_type="login.succeeded")
    assert (event.actor_kind, event.actor_id, event.subject_id) == ("person", entity.representative.id, entity.id)
    assert event.details["actor_role"] == "legal_representative"


async def test_an_authorised_manager_is_recorded_as_manager(client, licence, entity, rt):
    manager = await make_person(rt, phone="13900000003", number=MANAGER)
    ticket = await start(client, "elicense")
    await licence.confirm(ticket["ticket"], **scan(entity, id_number=MANAGER, role="manager"))
    assert (await redeem(client, ticket))["__typename"] == "LoginSuccess"
    session = await Session.get(subject_id=entity.id)
    assert (session.actor_id, session.actor_role) == (manager.id, "manager")


async def test_a_manager_claiming_to_be_the_legal_representative_is_refused(client, licence, entity, rt):
    await make_person(rt, phone="13900000003", number=MANAGER)
    ticket = await start(client, "elicense")
    await licence.confirm(ticket["ticket"], **scan(entity, id_number=MANAGER))
    assert (await redeem(client, ticket))["code"] == "IDENTITY_MISMATCH"
    assert not await Session.exists()


async def test_a_scanner_without_a_person_account_is_refused(client, licence, entity):
    ticket = await start(client, "elicense")
    await licence.confirm(ticket["ticket"], **scan(entity, id_number=MANAGER, role="manager"))
    assert (await redeem(client, ticket))["code"] == "ACTOR_NOT_REGISTERED"
    assert not await Session.exists()
    failed = await AuditEvent.get(event_type="login.failed")
    assert failed.details["reason"] == "ACTOR_NOT_REGISTERED" and MANAGER not in str(failed.details)


async def test_a_scanner_name_differing_from_the_account_is_refused(client, licence, entity):
    ticket = await start(client, "elicense")
    await licence.confirm(ticket["ticket"], **scan(entity, name="李四"))
    assert (await redeem(client, ticket))["code"] == "IDENTITY_MISMATCH"


async def test_a_credit_code_failing_gb32100_is_refused_before_the_ticket_moves(client, licence, entity):
    ticket = await start(client, "elicense")
    wrong = entity.code[:-1] + ("0" if entity.code[-1] != "0" else "1")
    code, body = await licence.confirm(ticket["ticket"], **scan(entity, credit_code=wrong))
    assert (code, body["code"]) == (400, "INVALID_CREDIT_CODE")
    assert await status(client, ticket) == "SCANNED"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("role", "owner", "INVALID_FORMAT"),
    ("id_number", REPRESENTATIVE[:-1] + ("0" if REPRESENTATIVE[-1] != "0" else "1"), "INVALID_ID_NUMBER"),
])  # fmt: skip
async def test_bad_scanner_claims_are_refused(client, licence, entity, field, value, code):
    ticket = await start(client, "elicense")
    answer = await licence.confirm(ticket["ticket"], **scan(entity, **{field: value}))
    assert answer[1]["code"] == code
    assert await status(client, ticket) == "SCANNED"


async def test_an_unknown_credit_code_opens_nothing(client, licence, entity):
    ticket = await start(client, "elicense")
    await licence.confirm(ticket["ticket"], **scan(entity, credit_code=make_credit_code("91", "420100", "MA4K0001")))
    answer = await redeem(client, ticket)
    assert answer["__typename"] == "BindingRequired" and answer["accountKind"] == "entity"


async def test_the_ticket_lives_a_minute(client, licence, entity, clock):
    ticket = await start(client, "elicense")
    clock.advance(61)
    assert await status(client, ticket) == "EXPIRED"
    assert (await licence.send(ticket["ticket"], "scanned"))[1]["code"] == "SCAN_TICKET_EXPIRED"
