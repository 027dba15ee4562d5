"""Back-channel logout, staging (C3): every way a uidp session ends revokes the authorizations resting on it and
owes each client with a back-channel logout URI one logout token, in the outbox, once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.oidc_logout_support import CLIENT, authorize, log_in
from tests.oidc_support import make_oidc_client
from tests.support import PASSWORD, register_person, resident_id
from uidp.domain.accounts import SubjectKind
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization, OidcConsent
from uidp.models.oidc_delivery import OidcDelivery
from uidp.models.review import CaseKind
from uidp.models.session import Session
from uidp.services.auth.login import LoginService
from uidp.services.oidc import deliveries
from uidp.services.oidc.deliveries import LOCK, START_DELAY_SECONDS, OutboxWorker
from uidp.services.oidc.outbox import wake
from uidp.services.persons.cancellation import CancellationService
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.principal import Principal
from uidp.services.shared.sms import SmsPurpose
from uidp.services.staff.case_decisions import CaseDecisions
from uidp.services.staff.review import ReviewCases
from uidp.services.staff.staff_ops import StaffOps

pytestmark = pytest.mark.anyio
LOGOUT_URI = "http://127.0.0.1:9/backchannel-logout"  # a closed port: what is sent is refused and kept for a retry
NEW_PASSWORD = "Other#2026pass"


@pytest.fixture
def settings(make_settings):
    return make_settings(oidc_outbox_seconds=0)  # no worker of the app's own: each test runs its passes


async def clients(rt):
    with_uri = (await make_oidc_client(rt, backchannel_logout_uri=LOGOUT_URI)).row
    without = (await make_oidc_client(rt)).row
    return with_uri, without


async def test_logout_revokes_what_rests_on_the_session_and_owes_one_logout_per_authorization(rt):
    person = await register_person(rt, CLIENT)
    first, _ = await log_in(rt)
    second, _ = await log_in(rt)
    rp, quiet = await clients(rt)
    on_first = [await authorize(rt, rp, first), await authorize(rt, rp, first), await authorize(rt, quiet, first)]
    on_second = await authorize(rt, rp, second)

    await Session.filter(id=first.session_id).update(revoked_at=rt.clock.now(), revoked_reason="logout")
    report = await OutboxWorker(rt).pass_once()

    assert (report.busy, report.staged.revoked, report.staged.queued, report.staged.nothing_to_send) == (
        False,
        3,
        2,
        1,
    )
    for row in on_first:
        stored = await OidcAuthorization.get(id=row.id)
        assert stored.revoked_reason == "session_ended" and stored.logout_sent_at is not None
    untouched = await OidcAuthorization.get(id=on_second.id)
    assert untouched.revoked_at is None and untouched.logout_sent_at is None
    owed = await OidcDelivery.all().order_by("created_at")
    assert {(row.kind, row.client_id, row.state, row.last_error) for row in owed} == {
        ("logout", rp.id, "pending", "ConnectError")  # sent at once to the closed port: kept for a retry
    }
    assert sorted(row.payload["authorization_id"] for row in owed) == sorted(str(a.id) for a in on_first[:2])
    assert {row.payload["session_id"] for row in owed} == {str(first.session_id)}
    assert {row.payload["subject_id"] for row in owed} == {str(person.id)}
    event = await AuditEvent.get(event_type="oidc.authorizations_revoked")
    assert event.subject_id == person.id and event.details["authorizations"] == 3
    assert event.details["reason"] == "session_ended" and set(event.details["clients"]) == {str(rp.id), str(quiet.id)}

    again = await OutboxWorker(rt).pass_once()
    assert not again.staged.found and await OidcDelivery.all().count() == 2


async def password_change(rt, person, kept):
    await UserSpace(rt).change_password(kept, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, CLIENT)


async def staff_ends_sessions(rt, person, kept):
    staff = Principal(SubjectKind.STAFF, uuid.uuid4(), uuid.uuid4(), ("operator",))
    await StaffOps(rt).end_person_sessions(staff, CLIENT, person.id)


async def appeal_approved(rt, person, kept):
    case = await ReviewCases(rt).open(
        CaseKind.CERTIFICATE_APPEAL,
        notify_phone="15012347777",
        details={"new_phone": "15012347777", "password_hash": await rt.hasher.hash(NEW_PASSWORD)},
        summary={},
        person_id=person.id,
        pending_key=str(person.id),
    )
    reviewer = Principal(SubjectKind.STAFF, uuid.uuid4(), uuid.uuid4(), ("reviewer",))
    await CaseDecisions(rt).decide(reviewer, case.id, approve=True, reason=None, client=CLIENT)


async def user_ends_a_session(rt, person, kept):
    others = [s for s in await UserSpace(rt).my_sessions(kept) if not s.current]
    await UserSpace(rt).end_session(kept, str(others[0].id), CLIENT)


@pytest.mark.parametrize(
    ("trigger", "reason", "kept_lives"),
    [
        (password_change, "password_changed", True),
        (staff_ends_sessions, "staff", False),
        (appeal_approved, "certificate_appeal", False),
        (user_ends_a_session, "ended_by_user", True),
    ],
)
async def test_each_way_a_session_ends_owes_its_logout(rt, trigger, reason, kept_lives):
    person = await register_person(rt, CLIENT)
    kept, _ = await log_in(rt)
    ending, _ = await log_in(rt)
    rp, _ = await clients(rt)
    on_kept, on_ending = await authorize(rt, rp, kept), await authorize(rt, rp, ending)

    await trigger(rt, person, kept)
    assert (await Session.get(id=ending.session_id)).revoked_reason == reason
    await settle(rt)

    assert (await OidcAuthorization.get(id=on_ending.id)).revoked_reason == "session_ended"
    assert ((await OidcAuthorization.get(id=on_kept.id)).revoked_at is None) == kept_lives
    owed = {row.payload["session_id"] for row in await OidcDelivery.filter(kind="logout", client_id=rp.id)}
    assert owed == ({str(ending.session_id)} if kept_lives else {str(ending.session_id), str(kept.session_id)})


async def test_a_pass_for_one_subject_leaves_the_others(rt):
    person = await register_person(rt, CLIENT)
    await register_person(rt, CLIENT, phone="15012340059", seq="131")
    mine, _ = await log_in(rt)
    theirs, _ = await log_in(rt, "15012340059")
    rp, _ = await clients(rt)
    await authorize(rt, rp, mine)
    await authorize(rt, rp, theirs)
    await Session.filter(id__in=[mine.session_id, theirs.session_id]).update(revoked_at=rt.clock.now())

    await OutboxWorker(rt).pass_once({(SubjectKind.PERSON.value, person.id)})
    assert [row.payload["subject_id"] for row in await OidcDelivery.all()] == [str(person.id)]
    await OutboxWorker(rt).pass_once()
    assert await OidcDelivery.all().count() == 2


async def test_cancellation_revokes_every_authorization_and_owes_each_system_a_logout(rt):
    person = await register_person(rt, CLIENT)
    me, _ = await log_in(rt)
    rp, quiet = await clients(rt)
    rows = [await authorize(rt, rp, me), await authorize(rt, quiet, me)]
    now = rt.clock.now()
    await OidcConsent.create(
        id=uuid.uuid4(), subject_kind="person", subject_id=person.id, client_id=rp.id, scopes=["openid"],
        granted_at=now, updated_at=now,
    )  # fmt: skip
    await UserSpace(rt).send_own_phone_code(me, SmsPurpose.CANCEL_ACCOUNT, CLIENT)
    from tests.support import sandbox_code

    await CancellationService(rt).cancel(me, resident_id(), sandbox_code(rt, "15012340058"), CLIENT)

    for row in rows:
        stored = await OidcAuthorization.get(id=row.id)
        assert stored.revoked_reason == "cancelled" and stored.logout_sent_at is not None
    [owed] = await OidcDelivery.all()
    assert (owed.client_id, owed.payload["session_id"]) == (rp.id, str(me.session_id))
    assert not await OidcConsent.filter(subject_id=person.id).exists()
    event = await AuditEvent.get(event_type="person.cancelled")
    assert (event.details["oidc_authorizations_revoked"], event.details["oidc_logouts_queued"]) == (2, 1)
    assert not (await settle(rt)).staged.found  # already staged, in the cancellation's commit


async def test_one_worker_passes_at_a_time(rt):
    await register_person(rt, CLIENT)
    me, _ = await log_in(rt)
    rp, _ = await clients(rt)
    await authorize(rt, rp, me)
    await Session.filter(id=me.session_id).update(revoked_at=rt.clock.now(), revoked_reason="logout")
    await rt.store.set(LOCK, "another worker", 60)
    assert (await OutboxWorker(rt).pass_once()).busy
    assert await OidcDelivery.all().count() == 0
    await rt.store.delete(LOCK)
    assert (await OutboxWorker(rt).pass_once()).staged.queued == 1


async def test_the_worker_hears_a_session_end_at_once_and_looks_at_everything_when_it_starts(rt):
    person = await register_person(rt, CLIENT)
    before, _ = await log_in(rt)
    rp, _ = await clients(rt)
    await authorize(rt, rp, before)
    # Ended while no worker ran (written directly: nobody announced it): the first pass finds it.
    await Session.filter(id=before.session_id).update(revoked_at=rt.clock.now(), revoked_reason="logout")
    worker = asyncio.create_task(OutboxWorker(rt, poll_seconds=600, start_delay_seconds=0).run())
    try:
        await until(lambda: OidcDelivery.all().count(), 1)
        after, _ = await log_in(rt)
        await authorize(rt, rp, after)
        await LoginService(rt).logout(after.session_id, (SubjectKind.PERSON, person.id), CLIENT)
        await until(lambda: OidcDelivery.all().count(), 2)  # the poll is 10 minutes away: the announcement did it
        await wake(rt)  # a nudge with nothing to do is harmless
        await asyncio.sleep(0.2)
        assert await OidcDelivery.all().count() == 2
        assert (await OidcAuthorization.filter(revoked_reason="session_ended").count()) == 2
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


async def settle(rt):
    """A pass of this test's own, once no other worker holds the lock."""
    for _ in range(100):
        report = await OutboxWorker(rt).pass_once()
        if not report.busy:
            return report
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox lock was never free")


async def until(probe, wanted=True, seconds: float = 5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = await probe()
        if value == wanted:
            return
        assert loop.time() < deadline, f"still {value!r} after {seconds} s"
        await asyncio.sleep(0.05)


async def test_the_first_pass_waits_the_start_delay_and_then_takes_what_was_announced_meanwhile(rt):
    """A starting worker waits before its first pass (on PostgreSQL a pass at once raced the tests' TRUNCATE into
    "deadlock detected"); an end announced during the wait is not lost."""
    person = await register_person(rt, CLIENT)
    before, _ = await log_in(rt)
    during, _ = await log_in(rt)
    rp, _ = await clients(rt)
    await authorize(rt, rp, before)
    await authorize(rt, rp, during)
    await Session.filter(id=before.session_id).update(revoked_at=rt.clock.now(), revoked_reason="logout")
    loop = asyncio.get_running_loop()
    started = loop.time()
    worker = asyncio.create_task(OutboxWorker(rt, poll_seconds=600, start_delay_seconds=0.8).run())
    try:
        await asyncio.sleep(0.2)
        await LoginService(rt).logout(during.session_id, (SubjectKind.PERSON, person.id), CLIENT)
        await asyncio.sleep(0.3)
        assert await OidcDelivery.all().count() == 0  # still waiting
        await until(lambda: OidcDelivery.all().count(), 2)
        assert loop.time() - started >= 0.8
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


async def test_the_start_delay_defaults_to_a_second(rt):
    assert OutboxWorker(rt).start_delay_seconds == START_DELAY_SECONDS == 1.0
    assert OutboxWorker(rt, start_delay_seconds=0).start_delay_seconds == 0


async def test_the_worker_stops_at_once_when_the_app_stops_even_while_nudged(make_settings, clock, monkeypatch):
    """stop_chores cancels the worker and waits for it: a cancellation arriving as a nudge wakes it must still
    end it (cpython gh-86296 made wait_for swallow such a one), or the app's shutdown would hang."""
    from uidp.app import create_app
    from uidp.services.auth.sessions import ANY_ENDED_CHANNEL

    monkeypatch.setattr(deliveries, "START_DELAY_SECONDS", 0.0)  # the app's worker passes at once here
    settings = make_settings(oidc_outbox_seconds=15)
    async with asyncio.timeout(120):
        for round in range(10):
            application = create_app(settings, clock=clock)
            async with application.router.lifespan_context(application):
                runtime = application.state.runtime
                await asyncio.sleep(0.3)  # its first pass is done
                for _ in range(1 + round % 3):
                    await wake(runtime)
                    await runtime.store.publish(ANY_ENDED_CHANNEL, f"person:{uuid.uuid4()}")
            assert any(task.get_name() == "oidc-outbox" for task in application.state.chores)
            assert all(task.done() for task in application.state.chores)
