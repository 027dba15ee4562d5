"""Password credentials: set, read and rehash. Hashing runs in a worker thread (see PasswordHasher)."""

from __future__ import annotations

import uuid

from uidp.models.credential import Credential, CredentialKind
from uidp.runtime import Runtime


class Passwords:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def hash_of(self, subject_kind: str, subject_id: uuid.UUID) -> str | None:
        credential = await Credential.get_or_none(
            subject_kind=subject_kind, subject_id=subject_id, kind=CredentialKind.PASSWORD
        )
        return credential.secret_hash if credential else None

    async def store_hash(self, subject_kind: str, subject_id: uuid.UUID, secret_hash: str) -> None:
        """Create or replace the password hash (call inside the caller's transaction)."""
        now = self.rt.clock.now()
        updated = await Credential.filter(
            subject_kind=subject_kind, subject_id=subject_id, kind=CredentialKind.PASSWORD
        ).update(secret_hash=secret_hash, updated_at=now)
        if not updated:
            await Credential.create(
                id=uuid.uuid4(),
                subject_kind=subject_kind,
                subject_id=subject_id,
                kind=CredentialKind.PASSWORD,
                secret_hash=secret_hash,
                created_at=now,
                updated_at=now,
            )

    async def rehash_if_needed(self, subject_kind: str, subject_id: uuid.UUID, password: str, current: str) -> None:
        """After a right password: store a fresh hash when the cost changed or, during a pepper rotation, when
        the hash was made before the new pepper took over (it moves now, at its owner's login)."""
        if self.rt.hasher.needs_rehash(current) or await self._before_pepper_rotation(subject_kind, subject_id):
            await self.store_hash(subject_kind, subject_id, await self.rt.hasher.hash(password))

    async def _before_pepper_rotation(self, subject_kind: str, subject_id: uuid.UUID) -> bool:
        rotation = self.rt.settings.pepper_rotation()
        if rotation is None:
            return False
        return await Credential.filter(
            subject_kind=subject_kind, subject_id=subject_id, kind=CredentialKind.PASSWORD, updated_at__lt=rotation[1]
        ).exists()
