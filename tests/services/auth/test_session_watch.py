"""SessionWatch (the sessionEnded subscription's service): every way a session ends is seen, promptly when
it goes through Sessions, by polling otherwise; watching does not keep a session alive."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from uidp.models.session import Session
from uidp.services.auth.session_watch import SessionWatch
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio

CLIENT = ClientInfo("192.0.2.1")


async def watching(rt, issued, **options):
    session = issued.session
    watch = SessionWatch(rt, **options)
    task = asyncio.create_task(watch.until_ended(session.subject_kind, session.subject_id, session.id))
    await asyncio.sleep(0.05)  # the watcher is subscribed and has read the live session
    assert not task.done()
    return task


async def test_logout_wakes_the_watcher_at_once(rt):
    issued = await Sessions(rt).issue("person", uuid.uuid4(), "password", CLIENT)
    task = await watching(rt, issued, poll_seconds=60)
    await Sessions(rt).revoke_one(issued.session.id, "logout")
    ended = await asyncio.wait_for(task, 2)
    assert ended.reason == "logout" and ended.at == rt.clock.now()


async def test_ending_every_session_of_the_subject_wakes_each_watcher(rt):
    person = uuid.uuid4()
    sessions = [await Sessions(rt).issue("person", person, "password", CLIENT) for _ in range(2)]
    other = await Sessions(rt).issue("person", uuid.uuid4(), "password", CLIENT)
    tasks = [await watching(rt, issued, poll_seconds=60) for issued in (*sessions, other)]
    assert await Sessions(rt).revoke_all("person", person, "password_changed", keep=sessions[1].session.id) == 1
    assert (await asyncio.wait_for(tasks[0], 2)).reason == "password_changed"
    await asyncio.sleep(0.1)
    assert not tasks[1].done() and not tasks[2].done()  # the kept session and another person's live on
    for task in tasks[1:]:
        task.cancel()


async def test_a_revocation_written_elsewhere_is_seen_by_polling(rt):
    issued = await Sessions(rt).issue("person", uuid.uuid4(), "password", CLIENT)
    task = await watching(rt, issued, poll_seconds=0.2)
    await Session.filter(id=issued.session.id).update(revoked_at=rt.clock.now(), revoked_reason="ended_by_user")
    assert (await asyncio.wait_for(task, 2)).reason == "ended_by_user"


async def test_idle_and_expired_sessions_have_ended(rt, clock):
    idle = timedelta(minutes=rt.settings.session_idle_minutes)
    issued = await Sessions(rt).issue("person", uuid.uuid4(), "password", CLIENT)
    watch = SessionWatch(rt)
    ended, remaining = await watch.state(issued.session.id)
    assert ended is None and remaining == idle.total_seconds()
    clock.advance(idle.total_seconds())
    ended, _ = await watch.state(issued.session.id)
    assert ended is not None and (ended.reason, ended.at) == ("idle", issued.session.last_seen_at + idle)
    session = issued.session
    assert (await watch.until_ended(session.subject_kind, session.subject_id, session.id)).reason == "idle"
    assert (await Session.get(id=session.id)).revoked_at is None  # watching wrote nothing


async def test_staff_sessions_fall_idle_on_their_own_timeout(rt, clock):
    issued = await Sessions(rt).issue("staff", uuid.uuid4(), "password", CLIENT)
    clock.advance(rt.settings.staff_session_idle_minutes * 60)
    ended, _ = await SessionWatch(rt).state(issued.session.id)
    assert ended is not None and ended.reason == "idle"
