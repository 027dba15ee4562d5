"""The runtime: everything services share for one process (settings, store, crypto, plugins, clock)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from uidp.clock import Clock, ManualClock, SystemClock
from uidp.config import Settings
from uidp.plugin_host import PluginHost
from uidp.sandbox_outbox import JsonLinesOutbox
from uidp.security.blind_index import BlindIndex
from uidp.security.cipher import PiiCipher
from uidp.security.passwords import PasswordHasher
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
        return cls(PiiCipher(keys, active, settings.pii_algorithm), BlindIndex(settings.key_bytes("blind_index_key")))


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

    async def close(self) -> None:
        await self.store.close()
