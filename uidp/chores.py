"""Background chores each worker runs from its lifespan (sweeping expired data), and how they are scheduled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from uidp.config import Settings
from uidp.observability.review_queue import refresh_review_queue
from uidp.runtime import Runtime
from uidp.services.shared.uploads import Uploads

log = logging.getLogger("uidp.chores")

Chore = Callable[[], Awaitable[object]]


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
    if rt.settings.metrics_refresh_seconds > 0:
        interval = rt.settings.metrics_refresh_seconds
        refresh = lambda: refresh_review_queue(rt)  # noqa: E731
        tasks.append(asyncio.create_task(every(interval, "review-metrics", refresh), name="review-metrics"))
    return tasks


async def stop_chores(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def sweep_uploads_once(settings: Settings) -> str:
    """One sweep of expired unclaimed uploads (``uidp sweep-uploads``, e.g. from cron); returns the report line."""
    rt = Runtime.build(settings)
    try:
        deleted = await Uploads(rt).sweep_unclaimed()
    finally:
        await rt.close()
    return f"deleted {deleted} unclaimed uploads older than {settings.upload_ttl_seconds} s"
