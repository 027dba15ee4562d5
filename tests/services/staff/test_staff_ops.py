"""A2 staff operations and the A3 audit log at the service level; every action is audited with its actor."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.support import resident_id
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.person import Person, PersonStatus
from uidp.models.service_item import ServiceItem
from uidp.models.session import Session
from uidp.services.auth.login import LoginService
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pagination import decode_cursor
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.staff.staff_ops import AuditFilter, AuditLog, StaffOps, encode_audit_cursor

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.40")
OPERATOR = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("operator",))
PASSWORD = "Hubei#2026ok"


@pytest.fixture
def settings(make_settings):
    return make_settings(login_captcha_after=100)


async def active_person(rt, phone: str = "15012340058", seq: str = "121") -> Person:
    csv_text = f"name,certificate_type,certificate_number,phone\n陈心,,{resident_id(seq=seq)},{phone}\n"
    report = await StaffOps(rt).import_persons(OPERATOR, CLIENT, csv_text)
    assert report.created == 1, report.errors
    person = await Person.filter(status=PersonStatus.PROVISIONED).order_by("-created_at").first()
    await Person.filter(id=person.id).update(status=PersonStatus.ACTIVE)
    await Passwords(rt).store_hash("person", person.id, await rt.hasher.hash(PASSWORD))
    return person


async def actor_events(event_type: str) -> list[AuditEvent]:
    return await AuditEvent.filter(event_type=event_type, actor_id=OPERATOR.id)


async def test_catalogue_upsert_retire_and_revive(rt):
    ops = StaffOps(rt)
    item = await ops.upsert_service_item(OPERATOR, CLIENT, code=" tax.declare ", name=" 税务  申报 ", delegable=True)
    assert (item.code, item.name, item.delegable, item.active) == ("TAX.DECLARE", "税务 申报", True, True)
    await ops.upsert_service_item(OPERATOR, CLIENT, code="SOCIAL", name="社保查询", delegable=False)
    changed = await ops.upsert_service_item(OPERATOR, CLIENT, code="TAX.DECLARE", name="税务申报", delegable=False)
    assert changed.id == item.id and changed.name == "税务申报" and not changed.delegable
    assert [i.code for i in await ops.service_items()] == ["SOCIAL", "TAX.DECLARE"]
    retired = await ops.retire_service_item(OPERATOR, CLIENT, code="social")
    assert not retired.active
    assert [i.code for i in await ops.service_items()] == ["TAX.DECLARE"]
    assert len(await ops.service_items(include_retired=True)) == 2
    revived = await ops.upsert_service_item(OPERATOR, CLIENT, code="SOCIAL", name="社保查询", delegable=True)
    assert revived.active
    assert len(await actor_events("service_item.saved")) == 4
    assert len(await actor_events("service_item.retired")) == 1


@pytest.mark.parametrize(
    ("code", "name", "field"),
    [
        ("", "名称", "code"),
        ("有中文", "名称", "code"),
        ("A" * 65, "名称", "code"),
        ("OK", " ", "name"),
        ("OK", "名" * 101, "name"),
    ],
)
async def test_bad_catalogue_input_stores_nothing(rt, code, name, field):
    with pytest.raises(DomainError) as refused:
        await StaffOps(rt).upsert_service_item(OPERATOR, CLIENT, code=code, name=name, delegable=True)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_FORMAT, field)
    assert await ServiceItem.all().count() == 0


async def test_retire_unknown_item(rt):
    with pytest.raises(DomainError) as missing:
        await StaffOps(rt).retire_service_item(OPERATOR, CLIENT, code="NOPE")
    assert missing.value.code == ErrorCode.NOT_FOUND


async def test_unlock_lets_a_locked_person_log_in_again(rt, settings):
    person = await active_person(rt)
    login = LoginService(rt)
    for _ in range(settings.login_lock_after):
        with pytest.raises(DomainError):
            await login.login_with_password("15012340058", "Wrong#2026pw", CLIENT)
    with pytest.raises(DomainError) as locked:
        await login.login_with_password("15012340058", PASSWORD, CLIENT)
    assert locked.value.code in (ErrorCode.INVALID_CREDENTIALS, ErrorCode.CAPTCHA_REQUIRED)
    await StaffOps(rt).unlock_account(OPERATOR, CLIENT, person.id)
    assert (await login.login_with_password("15012340058", PASSWORD, CLIENT)).subject_id == person.id
    [event] = await actor_events("account.unlocked")
    assert event.subject_id == person.id and event.client_address == "198.51.100.*"


async def test_end_person_sessions(rt):
    person = await active_person(rt)
    other = await active_person(rt, "15012340059", "131")
    sessions = Sessions(rt)
    for _ in range(2):
        await sessions.issue("person", person.id, "password", CLIENT)
    kept = await sessions.issue("person", other.id, "password", CLIENT)
    assert await StaffOps(rt).end_person_sessions(OPERATOR, CLIENT, person.id) == 2
    assert await Session.filter(subject_id=person.id, revoked_at__isnull=True).count() == 0
    assert await sessions.principal(kept.token) is not None
    [event] = await actor_events("sessions.ended_by_staff")
    assert event.details == {"count": 2}


async def test_unknown_person_is_not_found(rt):
    ops = StaffOps(rt)
    for action in (ops.unlock_account, ops.end_person_sessions):
        with pytest.raises(DomainError) as missing:
            await action(OPERATOR, CLIENT, uuid.uuid4())
        assert (missing.value.code, missing.value.field) == (ErrorCode.NOT_FOUND, "personId")
    assert await AuditEvent.filter(actor_id=OPERATOR.id).count() == 0


async def test_import_reports_rows_and_audits_the_actor(rt):
    csv_text = (
        "name,certificate_type,certificate_number,phone\n"
        f"陈心,,{resident_id()},15012340058\n"
        f"王五,,{resident_id(seq='131')},1501234\n"
        f"李四,,{resident_id()},15012340060\n"
    )
    report = await StaffOps(rt).import_persons(OPERATOR, CLIENT, csv_text)
    assert report.created == 1
    assert [(line, field) for line, field, _ in report.errors] == [(3, "phone"), (4, "certificate_number")]
    assert await Person.all().count() == 1
    [event] = await actor_events("persons.imported")
    assert event.details == {"created": 1, "rejected": 2}
    for bad in ("", "   "):
        with pytest.raises(DomainError) as empty:
            await StaffOps(rt).import_persons(OPERATOR, CLIENT, bad)
        assert empty.value.code == ErrorCode.REQUIRED


async def test_audit_pages_newest_first_with_stable_cursors(rt, clock):
    audit = Audit(rt)
    subject = uuid.uuid4()
    for n in range(7):
        await audit.record("test.event", subject=("person", subject), n=n)
        if n % 2:
            clock.advance(0.25)  # some events share a timestamp: the id breaks the tie
    await audit.record("other.event", subject=("person", uuid.uuid4()))
    log = AuditLog(rt)
    seen: list[int] = []
    after = None
    while True:
        page = await log.page(OPERATOR, AuditFilter(event_type="test.event"), first=3, after=after)
        rows, more = page.rows, page.has_next_page
        seen += [row.details["n"] for row in rows]
        if not more:
            break
        after = encode_audit_cursor(rows[-1])
    assert sorted(seen) == list(range(7)) and len(seen) == 7
    ats = [(e.at, e.id) for e in await AuditEvent.filter(event_type="test.event").order_by("-at", "-id")]
    assert seen == [next(e.details["n"] for e in await AuditEvent.filter(id=event_id)) for _, event_id in ats]
    rows = (await log.page(OPERATOR, AuditFilter(subject_id=str(subject)), first=100)).rows
    assert len(rows) == 7
    start = clock.now() - timedelta(seconds=0.5)
    rows = (await log.page(OPERATOR, AuditFilter(since=start), first=100)).rows
    assert {row.event_type for row in rows} <= {"test.event", "other.event", "audit.queried"}
    assert all(row.at >= start for row in rows)
    assert await AuditEvent.filter(event_type="audit.queried", actor_id=OPERATOR.id).count() >= 5


@pytest.mark.parametrize(
    ("where", "first", "after", "field"),
    [
        (AuditFilter(), 0, None, "first"),
        (AuditFilter(subject_id="not-a-uuid"), 10, None, "subjectId"),
        (AuditFilter(), 10, "bm9wZQ", "after"),
        (AuditFilter(), 10, "%%%", "after"),
    ],
)
async def test_audit_query_rejects_bad_input(rt, clock, where, first, after, field):
    bad_range = AuditFilter(since=clock.now(), until=clock.now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as refused:
        await AuditLog(rt).page(OPERATOR, where, first=first, after=after)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_FORMAT, field)
    with pytest.raises(DomainError):
        await AuditLog(rt).page(OPERATOR, bad_range)


async def test_cursor_round_trip(rt):
    event = await AuditEvent.create(at=rt.clock.now(), event_type="x", outcome="success", details={})
    assert decode_cursor(encode_audit_cursor(event)) == (event.at, event.id)
