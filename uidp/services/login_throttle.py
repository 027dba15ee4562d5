"""Brute-force protection (X7): failures per account and per client address.

After ``login_captcha_after`` failures on an account (or ``client_failure_limit`` from one address) a
captcha is required; after ``login_lock_after`` failures in the window the account is locked for
``login_lock_seconds``. A locked account answers exactly like a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass

from uidp.runtime import Runtime
from uidp.services.principal import ClientInfo


@dataclass(frozen=True)
class ThrottleState:
    captcha_required: bool
    locked: bool


class LoginThrottle:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.s = rt.settings

    def _keys(self, account_key: str, client: ClientInfo) -> tuple[str, str, str]:
        client_key = self.rt.blind.digest("client", client.address)
        return (f"login:fail:{account_key}", f"login:lock:{account_key}", f"login:fail-client:{client_key}")

    async def state(self, account_key: str, client: ClientInfo) -> ThrottleState:
        fail_key, lock_key, client_key = self._keys(account_key, client)
        store = self.rt.store
        account_failures = int(await store.get(fail_key) or 0)
        client_failures = int(await store.get(client_key) or 0)
        locked = await store.get(lock_key) is not None
        return ThrottleState(
            captcha_required=locked
            or account_failures >= self.s.login_captcha_after
            or client_failures >= self.s.client_failure_limit,
            locked=locked,
        )

    async def failure(self, account_key: str, client: ClientInfo) -> tuple[ThrottleState, bool]:
        """Count a failure; returns the new state and whether this failure locked the account."""
        fail_key, lock_key, client_key = self._keys(account_key, client)
        store = self.rt.store
        failures = await store.incr(fail_key, self.s.login_window_seconds)
        client_failures = await store.incr(client_key, self.s.login_window_seconds)
        just_locked = False
        if failures >= self.s.login_lock_after:
            just_locked = await store.set_if_absent(lock_key, "1", self.s.login_lock_seconds)
        return (
            ThrottleState(
                captcha_required=failures >= self.s.login_captcha_after
                or client_failures >= self.s.client_failure_limit,
                locked=failures >= self.s.login_lock_after,
            ),
            just_locked,
        )

    async def success(self, account_key: str) -> None:
        await self.rt.store.delete(f"login:fail:{account_key}")

    async def unlock(self, account_key: str) -> None:
        await self.rt.store.delete(f"login:fail:{account_key}")
        await self.rt.store.delete(f"login:lock:{account_key}")
