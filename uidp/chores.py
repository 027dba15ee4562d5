"""Background chores each worker runs from its lifespan (sweeping expired data), and how they are scheduled."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable

from uidp.config import Settings
from uidp.observability.review_queue import refresh_review_queue
from uidp.runtime import Runtime
from uidp.services.delegation.sweeper import GrantSweeper
from uidp.services.oidc.deliveries import OutboxWorker
from uidp.services.shared.retention import Retention
from uidp.services.shared.uploads import Uploads

log = logging.getLogger("uidp.chores")

Chore = Callable[[], Awaitable[object]]

#: What ``uidp sweep`` (and each worker every UIDP_RETENTION_SWEEP_SECONDS) runs, in order: a label and the
#: chore, which returns how many rows it deleted. Add yours here.
#: A chore may instead return its own report line (a str).
SWEEPS: list[tuple[str, Callable[[Runtime], Awaitable[int | str]]]] = [
    ("unclaimed uploads", lambda rt: Uploads(rt).sweep_unclaimed()),
    ("audit events older than {audit_retention_days} days", lambda rt: Retention(rt).purge_audit_events()),
    ("sessions ended over {session_retention_days} days ago", lambda rt: Retention(rt).purge_sessions()),
    ("expired staff enrolment codes", lambda rt: Retention(rt).purge_enrolment_codes()),
    ("grants", lambda rt: _grants(rt)),  # expiry with the cascade, then the reminders (E9)
    ("retired OpenID signing keys", lambda rt: _signing_keys(rt)),  # past drop_after: out of the JWKS already
    (
        "OpenID authorizations and tokens finished over {session_retention_days} days ago",
        lambda rt: Retention(rt).purge_oidc_authorizations(),
    ),
    (
        "OpenID logout and event deliveries finished over {oidc_delivery_retention_days} days ago",
        lambda rt: Retention(rt).purge_oidc_deliveries(),
    ),
]


async def _grants(rt: Runtime) -> str:
    return (await GrantSweeper(rt).sweep()).line()


async def _signing_keys(rt: Runtime) -> int:
    from uidp.services.oidc.keys import SigningKeys

    return await SigningKeys(rt).drop_expired()


SWEEP_LOCK = "sweep:lock"
SWEEP_LOCK_SECONDS = 900  # longer than any sweep; a crashed sweeper's lock lapses by itself


async def every(seconds: float, name: str, chore: Chore) -> None:
    """Run ``chore`` every ``seconds`` (the first run after one interval) until cancelled; failures are logged."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await chore()
        except Exception:
            log.exception("chore %s failed; it runs again in %s s", name, seconds)


def start_chores(rt: Runtime) -> list[asyncio.Task[None]]:
    """Start the configured chores; the lifespan cancels the tasks at shutdown.

    Several workers may sweep at once: each chore is an idempotent conditional delete.
    """
    tasks = []
    if rt.settings.upload_sweep_seconds > 0:
        sweep = Uploads(rt).sweep_unclaimed
        interval = rt.settings.upload_sweep_seconds
        tasks.append(asyncio.create_task(every(interval, "sweep-uploads", sweep), name="sweep-uploads"))
    if rt.settings.retention_sweep_seconds > 0:
        interval = rt.settings.retention_sweep_seconds
        sweep = lambda: sweep_once(rt)  # noqa: E731
        tasks.append(asyncio.create_task(every(interval, "retention-sweep", sweep), name="retention-sweep"))
    # Back-channel logouts and security events owed to connected systems (C3): as sessions end anywhere, every
    # worker runs it (0 is for dev and tests only; production refuses it).
    if rt.settings.oidc_outbox_seconds > 0:
        tasks.append(asyncio.create_task(OutboxWorker(rt).run(), name="oidc-outbox"))
    if rt.settings.metrics_refresh_seconds > 0:
        interval = rt.settings.metrics_refresh_seconds
        refresh = lambda: refresh_review_queue(rt)  # noqa: E731
        tasks.append(asyncio.create_task(every(interval, "review-metrics", refresh), name="review-metrics"))
    return tasks


async def stop_chores(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def sweep_once(rt: Runtime) -> list[str]:
    """Run every chore of :data:`SWEEPS` once, unless another worker or ``uidp sweep`` is sweeping now.

    Returns one line per chore, or one line saying another sweeper holds the lock (a store key taken with one
    atomic set-if-absent, so of several workers starting at once exactly one sweeps).
    """
    if not await rt.store.set_if_absent(SWEEP_LOCK, secrets.token_hex(8), SWEEP_LOCK_SECONDS):
        return ["another worker is sweeping now; nothing done"]
    lines = []
    try:
        for label, chore in SWEEPS:
            done = await chore(rt)
            report = done if isinstance(done, str) else f"{done} deleted"
            lines.append(f"{label.format(**vars(rt.settings))}: {report}")
    finally:
        await rt.store.delete(SWEEP_LOCK)
    log.info("swept", extra={"fields": {"sweep": lines}})
    return lines


async def sweep_now(settings: Settings) -> list[str]:
    """``uidp sweep``: :func:`sweep_once` with a runtime of its own (the database is initialised by the caller)."""
    rt = Runtime.build(settings)
    try:
        return await sweep_once(rt)
    finally:
        await rt.close()


async def sweep_uploads_once(settings: Settings) -> str:
    """One sweep of expired unclaimed uploads (``uidp sweep-uploads``, e.g. from cron); returns the report line."""
    rt = Runtime.build(settings)
    try:
        deleted = await Uploads(rt).sweep_unclaimed()
    finally:
        await rt.close()
    return f"deleted {deleted} unclaimed uploads older than {settings.upload_ttl_seconds} s"
