"""Challenges for CA login and binding (E4, E5): 256 random bits, single use, 60 seconds, bound to a purpose.

The store keeps only a digest of the challenge as the key, with the purpose, the subject it was issued to
(binding only) and the clock time of issue. Expiry is checked against the runtime clock as well as by the
store's TTL, so a replay after the TTL fails however the store is configured.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime

CHALLENGE_TTL_SECONDS = 60
PURPOSES = ("bind", "login")
MAX_CHALLENGE_LENGTH = 128


@dataclass(frozen=True)
class IssuedChallenge:
    challenge: str
    expires_at: datetime


def invalid() -> DomainError:
    return DomainError(ErrorCode.CHALLENGE_INVALID, "挑战码无效或已过期，请重新获取", "challenge")


class CaChallenges:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _key(self, challenge: str) -> str:
        return "ca:challenge:" + hashlib.sha256(challenge.encode()).hexdigest()

    async def issue(self, purpose: str, subject: str | None = None) -> IssuedChallenge:
        """A fresh challenge for ``purpose`` ("bind" with the subject "kind:id", or "login")."""
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        challenge = secrets.token_urlsafe(32)
        now = self.rt.clock.now()
        value = json.dumps({"purpose": purpose, "subject": subject, "issued_at": now.isoformat()})
        await self.rt.store.set(self._key(challenge), value, CHALLENGE_TTL_SECONDS)
        return IssuedChallenge(challenge, now + timedelta(seconds=CHALLENGE_TTL_SECONDS))

    async def take(self, challenge: str | None, purpose: str, subject: str | None = None) -> None:
        """Use up a challenge; CHALLENGE_INVALID if unknown, used, expired, or issued for something else."""
        key = self._usable_key(challenge)
        if key is None or not self._valid(await self.rt.store.take(key), purpose, subject):
            raise invalid()

    async def alive(self, challenge: str | None, purpose: str, subject: str | None = None) -> bool:
        """Whether :meth:`take` would accept the challenge now; reads it without using it up."""
        key = self._usable_key(challenge)
        return key is not None and self._valid(await self.rt.store.get(key), purpose, subject)

    def _usable_key(self, challenge: str | None) -> str | None:
        challenge = (challenge or "").strip()
        if not challenge or len(challenge) > MAX_CHALLENGE_LENGTH:
            return None
        return self._key(challenge)

    def _valid(self, stored: str | None, purpose: str, subject: str | None) -> bool:
        if stored is None:
            return False
        record = json.loads(stored)
        age = self.rt.clock.now() - datetime.fromisoformat(record["issued_at"])
        if record["purpose"] != purpose or record["subject"] != subject:
            return False
        return timedelta(0) <= age <= timedelta(seconds=CHALLENGE_TTL_SECONDS)
