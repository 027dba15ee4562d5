"""The runtime: everything services share for one process (settings, store, crypto, plugins, clock)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from uidp.clock import Clock, ManualClock, SystemClock
from uidp.config import Settings
from uidp.plugin_host import PluginHost
from uidp.sandbox_outbox import JsonLinesOutbox
from uidp.security.blind_index import BlindIndex
from uidp.security.cipher import PiiCipher
from uidp.security.passwords import PasswordHasher
from uidp.security.tokens import digest_secret
from uidp.store import open_store
from uidp.store.base import Store
from uidp.store.memory import MemoryStore


@dataclass(frozen=True)
class Crypto:
    """The PII cipher and blind index alone, for chores that need no runtime (the migration backfill)."""

    cipher: PiiCipher
    blind: BlindIndex

    @classmethod
    def of(cls, settings: Settings) -> Crypto:
        keys, active = settings.pii_key_map()
        key = settings.key_bytes("blind_index_key")
        blind = BlindIndex(key, settings.blind_index_algorithm, previous=settings.blind_index_previous(key))
        return cls(PiiCipher(keys, active, settings.pii_algorithm), blind)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    store: Store
    cipher: PiiCipher
    blind: BlindIndex
    hasher: PasswordHasher
    plugins: PluginHost
    secret_key: bytes
    dev_peek: JsonLinesOutbox | None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        extra_plugins: Iterable[object] = (),
        plugins: PluginHost | None = None,
    ) -> Runtime:
        """Wire the parts from settings; refuses sandbox plugins in production unless allowed."""
        clock = clock or SystemClock()
        if store is None:
            if settings.store_url.startswith("memory") and isinstance(clock, ManualClock):
                store = MemoryStore(clock=clock.monotonic)
            else:
                store = open_store(settings.store_url, prefix=settings.store_prefix)
        crypto = Crypto.of(settings)
        if plugins is None:
            plugins = PluginHost(settings, extra_plugins)
        plugins.check_production()
        return cls(
            settings=settings,
            clock=clock,
            store=store,
            cipher=crypto.cipher,
            blind=crypto.blind,
            hasher=PasswordHasher(
                settings.key_bytes("password_pepper"),
                settings.bcrypt_rounds,
                settings.hash_threads or None,
                old_pepper=rotation[0] if (rotation := settings.pepper_rotation()) else None,
            ),
            plugins=plugins,
            secret_key=settings.key_bytes("secret_key"),
            dev_peek=(
                JsonLinesOutbox(settings.data_dir / "dev-captcha-answers.jsonl") if settings.dev_peek_enabled else None
            ),
        )

    def one_time_digest(self, purpose: str, value: str) -> str:
        """The digest a one-time value (SMS code, captcha answer, setup code) is stored as: UIDP_DIGEST_ALGORITHM."""
        return digest_secret(self.secret_key, purpose, value, self.settings.digest_algorithm)

    def one_time_digests(self, purpose: str, value: str) -> list[str]:
        """The digests a stored one-time value may have: the current algorithm's, and while moving the previous's."""
        algorithms = [self.settings.digest_algorithm, self.settings.digest_algorithm_previous]
        return [digest_secret(self.secret_key, purpose, value, a) for a in dict.fromkeys(algorithms) if a]

    def one_time_matches(self, stored: str | None, purpose: str, value: str) -> bool:
        """True when ``stored`` is a digest of ``value`` for ``purpose`` (compared in constant time)."""
        if stored is None:
            return False
        return any(secrets.compare_digest(stored, digest) for digest in self.one_time_digests(purpose, value))

    async def close(self) -> None:
        await self.store.close()
