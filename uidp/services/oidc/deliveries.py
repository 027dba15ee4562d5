"""The worker that stages and sends what the outbox owes connected systems (C3).

Each worker runs :meth:`OutboxWorker.run` from its lifespan (unless ``UIDP_OIDC_OUTBOX_SECONDS`` is 0). It
wakes at once when a session ends (``Sessions``' announcement on
:data:`~uidp.services.auth.sessions.ANY_ENDED_CHANNEL`) or the outbox is nudged
(:func:`~uidp.services.oidc.outbox.wake`), shortly after start (a restart picks up what the last one left),
and every ``UIDP_OIDC_OUTBOX_SECONDS``. A pass stages under a store lock (one atomic set-if-absent), so of all
workers one stages at a time; the others' nudges are not lost, because the lock holder heard them too and runs
again. Then it sends what is due (:mod:`uidp.services.oidc.sender`), outside the lock: each row is claimed by
one conditional UPDATE, so workers sending at once never send a row twice.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from dataclasses import dataclass, field

from uidp.domain.accounts import SubjectKind
from uidp.runtime import Runtime
from uidp.services.auth.sessions import ANY_ENDED_CHANNEL
from uidp.services.oidc.backchannel import Staged, stage_logouts
from uidp.services.oidc.outbox import WAKE_CHANNEL
from uidp.services.oidc.sender import OutboxSender, Sent
from uidp.store.base import Subscription

log = logging.getLogger("uidp.oidc.outbox")

LOCK = "oidc-outbox:lock"
LOCK_SECONDS = 120  # longer than a pass can take; a crashed sender's lock lapses by itself
# A starting worker has nothing urgent: its first pass waits this long, so it does not race what runs at start
# (on PostgreSQL the tests' TRUNCATE of every table and a pass's UPDATE abort one another as "deadlock detected").
START_DELAY_SECONDS = 1.0


@dataclass
class PassReport:
    """What one pass did (staged, then sent), or that another worker held the lock (``busy``)."""

    busy: bool = False
    staged: Staged = field(default_factory=Staged)
    sent: Sent = field(default_factory=Sent)


def _subject_of(message: str) -> tuple[str, uuid.UUID] | None:
    """``<kind>:<uuid>`` from the sessions-ended channel, or None for anything else."""
    kind, _, raw = message.partition(":")
    if kind not in {SubjectKind.PERSON.value, SubjectKind.ENTITY.value}:
        return None
    try:
        return kind, uuid.UUID(raw)
    except ValueError:
        return None


class OutboxWorker:
    """Stages back-channel logouts and sends what the outbox owes, when woken and periodically.

    ``poll_seconds`` (default ``UIDP_OIDC_OUTBOX_SECONDS``): the periodic pass, for ends nobody announced and
    for retries. ``start_delay_seconds`` (default 1 s): the wait before the first pass. ``sender``: tests
    may give one with a transport of their own."""

    def __init__(
        self,
        rt: Runtime,
        poll_seconds: float | None = None,
        start_delay_seconds: float | None = None,
        sender: OutboxSender | None = None,
    ) -> None:
        self.rt = rt
        self.poll_seconds = poll_seconds if poll_seconds is not None else float(rt.settings.oidc_outbox_seconds or 15)
        self.sender = sender or OutboxSender(rt)
        self.start_delay_seconds = start_delay_seconds if start_delay_seconds is not None else START_DELAY_SECONDS

    async def pass_once(self, subjects: set[tuple[str, uuid.UUID]] | None = None) -> PassReport:
        """Stage the logouts owed (for ``subjects`` only, when given), unless another worker is staging now (then
        nothing: it sends too), and send what is due."""
        token = secrets.token_hex(8)
        if not await self.rt.store.set_if_absent(LOCK, token, LOCK_SECONDS):
            return PassReport(busy=True)
        report = PassReport()
        try:
            for subject in sorted(subjects, key=str) if subjects is not None else [None]:
                staged = await stage_logouts(self.rt, subject)
                report.staged.revoked += staged.revoked
                report.staged.queued += staged.queued
                report.staged.nothing_to_send += staged.nothing_to_send
        finally:
            await self.rt.store.compare_and_delete(LOCK, token)
        report.sent = await self.sender.send_due()
        staged, sent = report.staged, report.sent
        if staged.found or sent.found:
            log.info(
                "oidc outbox pass",
                extra={
                    "fields": {
                        "revoked": staged.revoked,
                        "logouts_queued": staged.queued,
                        "delivered": sent.delivered,
                        "failed": sent.failed,
                        "given_up": sent.given_up,
                    }
                },
            )
        return report

    async def run(self) -> None:
        """Until cancelled: a full pass shortly after start (``start_delay_seconds``) and every poll interval, a
        subject's pass when its session ends. What is announced during the delay is heard and waits for it."""
        subjects: set[tuple[str, uuid.UUID]] = set()
        everything = True  # the first pass looks at everything: what a stopped worker left
        nudged = asyncio.Event()

        async def listen(subscription: Subscription, whole: bool) -> None:
            nonlocal everything
            async for message in subscription:
                subject = None if whole else _subject_of(message)
                if subject is None:
                    everything = True
                else:
                    subjects.add(subject)
                nudged.set()

        async with self.rt.store.subscribe(ANY_ENDED_CHANNEL) as ended, self.rt.store.subscribe(WAKE_CHANNEL) as wakes:
            listeners = [asyncio.create_task(listen(ended, False)), asyncio.create_task(listen(wakes, True))]
            try:
                if self.start_delay_seconds > 0:
                    await asyncio.sleep(self.start_delay_seconds)
                while True:
                    _leave_if_cancelled()
                    nudged.clear()
                    wanted: set[tuple[str, uuid.UUID]] | None = None if everything else set(subjects)
                    everything = False
                    subjects.clear()
                    try:
                        if (await self.pass_once(wanted)).busy and wanted:
                            subjects.update(wanted)  # the holder heard them too; kept in case it crashed
                    except Exception:
                        log.exception("oidc outbox pass failed; it runs again in %s s", self.poll_seconds)
                    _leave_if_cancelled()
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that arrives as
                    # the wait completes (cpython gh-86296), and stop_chores would then wait for this loop forever.
                    try:
                        async with asyncio.timeout(self.poll_seconds):
                            await nudged.wait()
                    except TimeoutError:
                        everything = True
            finally:
                for listener in listeners:
                    listener.cancel()
                await asyncio.gather(*listeners, return_exceptions=True)


def _leave_if_cancelled() -> None:
    """Raise CancelledError if this task was asked to stop, even if an await on the way swallowed the request."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
