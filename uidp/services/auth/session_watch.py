"""Watching one session until it ends (the ``sessionEnded`` subscription): revoked, expired or idle.

Revocations through :class:`~uidp.services.auth.sessions.Sessions` publish on the subject's channel, so a watcher
in any worker (Redis pub/sub) wakes at once; a watcher also re-reads its session every ``poll_seconds`` and
at the moment it would expire or fall idle, so revocations written some other way are seen too, a little
later. Watching never counts as activity: an open page does not keep an idle session alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.auth.sessions import ended_channel, session_limits

POLL_SECONDS = 30.0


@dataclass(frozen=True)
class SessionEnd:
    reason: str  # the session's revoked_reason ("logout", "password_changed", ...), "expired" or "idle"
    at: datetime


class SessionWatch:
    def __init__(self, rt: Runtime, poll_seconds: float = POLL_SECONDS) -> None:
        self.rt = rt
        self.poll_seconds = poll_seconds

    async def state(self, session_id: uuid.UUID) -> tuple[SessionEnd | None, float]:
        """How the session ended (None while it lives) and how many seconds until it would end by itself."""
        session = await Session.get_or_none(id=session_id)
        now = self.rt.clock.now()
        if session is None:
            return SessionEnd("deleted", now), 0.0
        if session.revoked_at is not None:
            return SessionEnd(session.revoked_reason or "revoked", session.revoked_at), 0.0
        idle_at = session.last_seen_at + session_limits(self.rt.settings, session.subject_kind)[0]
        if now >= session.expires_at:
            return SessionEnd("expired", session.expires_at), 0.0
        if now >= idle_at:
            return SessionEnd("idle", idle_at), 0.0
        return None, (min(session.expires_at, idle_at) - now).total_seconds()

    async def until_ended(self, subject_kind: str, subject_id: uuid.UUID, session_id: uuid.UUID) -> SessionEnd:
        """Wait until the session ends, however it ends (the caller has proven it holds the session)."""
        nudged = asyncio.Event()
        async with self.rt.store.subscribe(ended_channel(subject_kind, subject_id)) as subscription:

            async def listen() -> None:
                async for _ in subscription:
                    nudged.set()

            listener = asyncio.create_task(listen())
            try:
                while True:
                    nudged.clear()  # before reading: a nudge that arrives during the read is kept
                    ended, remaining = await self.state(session_id)
                    if ended is not None:
                        return ended
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(nudged.wait(), timeout=min(self.poll_seconds, remaining + 0.05))
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
