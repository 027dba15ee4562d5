"""Password hashing: NFC, HMAC pre-hash with a pepper, then bcrypt in a worker thread.

* NFC normalization makes composed and decomposed input (``"é"`` vs ``"e\u0301"``) the same password.
* The HMAC-SHA256 pre-hash with a server-side pepper gives bcrypt a fixed 44-byte input (bcrypt 5 refuses more
  than 72 bytes) and makes a stolen database useless without the pepper.
* bcrypt releases the GIL, so hashing runs in a worker thread and the event loop keeps serving requests.
* :meth:`PasswordHasher.verify` with ``hashed=None`` (unknown user, account without a password) still costs one
  bcrypt check against a dummy hash, so response time does not reveal whether an account exists.

Passwords are never logged or put in exception messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from typing import Final, TypeVar

import anyio.to_thread
import bcrypt

from uidp.observability.metrics import HASH_QUEUE, HASH_WAIT

T = TypeVar("T")

__all__ = ["PasswordHasher"]

_MIN_ROUNDS: Final = 4
_MAX_ROUNDS: Final = 31
_COST_RE: Final = re.compile(r"\$2[abxy]?\$(\d\d)\$[./A-Za-z0-9]{53}")


class PasswordHasher:
    """Hashes and verifies passwords with a pepper and a bcrypt cost of ``rounds``.

    Use ``rounds=12`` in production and ``rounds=4`` in tests. After a successful :meth:`verify`, call
    :meth:`needs_rehash` and store a fresh :meth:`hash` when the cost setting has changed.
    """

    def __init__(
        self, pepper: bytes, rounds: int = 12, threads: int | None = None, old_pepper: bytes | None = None
    ) -> None:
        if not isinstance(pepper, bytes) or not pepper:
            raise ValueError("password pepper must be non-empty bytes")
        # The pepper rotation's dual period: a password that fails under the pepper is tried under the old one,
        # and a hash it opens is remembered, so needs_rehash tells the caller to store a fresh one.
        self._old_pepper = old_pepper or None
        self._opened_by_old: dict[str, None] = {}
        if not _MIN_ROUNDS <= rounds <= _MAX_ROUNDS:
            raise ValueError(f"bcrypt rounds must be between {_MIN_ROUNDS} and {_MAX_ROUNDS}")
        # Hashes run in at most ``threads`` worker threads: more than the cores this process may use only
        # makes bcrypt threads fight the event loop, and every request waits behind them.
        self._limiter = anyio.CapacityLimiter(threads or os.cpu_count() or 1)
        self._pepper = pepper
        self.rounds = rounds
        self._dummy_hash: bytes | None = None

    def _prehash(self, password: str, pepper: bytes | None = None) -> bytes:
        normalized = unicodedata.normalize("NFC", password).encode("utf-8")
        return base64.b64encode(hmac.new(pepper or self._pepper, normalized, hashlib.sha256).digest())

    def hash_sync(self, password: str) -> str:
        """Hash ``password`` in the calling thread (for CLI and bulk imports, not the event loop)."""
        return bcrypt.hashpw(self._prehash(password), bcrypt.gensalt(self.rounds)).decode("ascii")

    def verify_sync(self, password: str, hashed: str | None) -> bool:
        """Check ``password`` against ``hashed`` in the calling thread; see :meth:`verify`."""
        candidate = self._prehash(password)
        if hashed is None or not _COST_RE.fullmatch(hashed):
            # Unknown user or unusable hash: spend the same time as a real check (two in the dual period), refuse.
            for _ in range(2 if self._old_pepper else 1):
                bcrypt.checkpw(candidate, self._get_dummy_hash())
            return False
        try:
            if bcrypt.checkpw(candidate, hashed.encode("ascii")):
                return True
            if self._old_pepper is None or not bcrypt.checkpw(
                self._prehash(password, self._old_pepper), hashed.encode()
            ):
                return False
        except ValueError:
            return False
        if len(self._opened_by_old) > 10_000:  # bounded: the caller rehashes right after the check
            self._opened_by_old.pop(next(iter(self._opened_by_old)))
        self._opened_by_old[hashed] = None
        return True

    async def hash(self, password: str) -> str:
        """Hash ``password`` in a worker thread; returns the bcrypt string (``$2b$<cost>$...``)."""
        return await self._in_thread(self.hash_sync, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Check ``password`` against ``hashed`` in a worker thread.

        With ``hashed=None`` (unknown user or no password set) or a malformed hash, one bcrypt check against a
        dummy hash still runs and the result is False, so the timing matches a wrong password.
        """
        return await self._in_thread(self.verify_sync, password, hashed)

    async def _in_thread(self, work: Callable[..., T], *args: object) -> T:
        """Run ``work`` in a hashing thread; the wait for a free thread is observed and the waiting counted."""
        queued = time.perf_counter()
        started = False

        def run() -> T:
            nonlocal started
            started = True
            HASH_QUEUE.dec()
            HASH_WAIT.observe(time.perf_counter() - queued)
            return work(*args)

        HASH_QUEUE.inc()
        try:
            return await anyio.to_thread.run_sync(run, limiter=self._limiter)
        finally:
            if not started:  # cancelled while waiting for a thread
                HASH_QUEUE.dec()

    async def warm_up(self) -> None:
        """Make the dummy hash now (e.g. at startup), so the first unknown-user check costs one hash, not two."""
        await anyio.to_thread.run_sync(self._get_dummy_hash, limiter=self._limiter)

    def needs_rehash(self, hashed: str) -> bool:
        """True when ``hashed`` is not a bcrypt hash with the current cost (``self.rounds``), or was opened by
        the old pepper (the rotation's dual period)."""
        match = _COST_RE.fullmatch(hashed)
        if hashed in self._opened_by_old:
            return True  # made with the old pepper: store one under the pepper
        return match is None or int(match.group(1)) != self.rounds

    def _get_dummy_hash(self) -> bytes:
        """The dummy hash for unknown users, made once with the same cost (a benign race may make it twice)."""
        if self._dummy_hash is None:
            self._dummy_hash = bcrypt.hashpw(secrets.token_bytes(32).hex().encode(), bcrypt.gensalt(self.rounds))
        return self._dummy_hash
