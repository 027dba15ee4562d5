"""Brute-force protection (X7): every password attempt is counted before the password is checked.

Three fixed-window counters (``login_window_seconds``), each bumped by one atomic increment at the start of
an attempt, and every decision taken on the values those increments returned, so a concurrent burst cannot
all read "no failures yet":

- per **account** (``person:<id>``, ``entity:<id>``, ``staff:<id>``; an unknown identifier is its own
  account): attempt ``login_captcha_after + 1`` and later need a captcha; attempt ``login_lock_after + 1`` and
  later are not checked at all (the account is locked, and a failure at ``login_lock_after`` also sets a
  lock for ``login_lock_seconds``);
- per **typed identifier** (the phone or the certificate number as typed, normalised): attempt
  ``login_captcha_after + 1`` and later need a captcha, and only this count and the address count are shown
  to the caller (``captchaRequired``), so failures typed as a phone do not reveal which ID number shares its
  account;
- per **client address** (IPv6 by its /64, see ``request_limits.client_key``): attempt
  ``client_failure_limit + 1`` and later need a captcha, whatever account they name.

An attempt refused for a missing or wrong captcha checked nothing and is handed back (``refund``). A
successful attempt hands back only its own count (``succeeded``): the failures in the window stay, so a
success in the middle of a burst does not open the door to more guesses. When the account needs a captcha
that the typed identifier does not show yet, the attempt is answered like a wrong password without a check
(the account's count is handed back, the identifier's stays, exactly as a stranger's wrong password would
leave it).
"""

from __future__ import annotations

from dataclasses import dataclass

from uidp.runtime import Runtime
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import client_key


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: the counters it bumped and the values they returned."""

    account_key: str
    keys: tuple[str, str, str]  # account, identifier, address counters
    account_count: int
    identifier_count: int
    address_count: int
    locked: bool
    captcha_after: int
    address_limit: int

    @property
    def captcha_shown(self) -> bool:
        """The typed identifier or the address needs a captcha for this attempt (the caller is told)."""
        return self.identifier_count > self.captcha_after or self.address_count > self.address_limit

    @property
    def captcha_hidden(self) -> bool:
        """The account needs a captcha for this attempt although the identifier and address do not show one."""
        return not self.captcha_shown and self.account_count > self.captcha_after

    @property
    def captcha_required_next(self) -> bool:
        """What a failure answers in ``captchaRequired``: the next attempt like this one needs a captcha."""
        return self.identifier_count >= self.captcha_after or self.address_count >= self.address_limit


class LoginThrottle:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.s = rt.settings

    async def begin(self, account_key: str, client: ClientInfo, *, identifier_key: str | None = None) -> Attempt:
        """Count an attempt on the account, the typed identifier (default: the account) and the address."""
        store, window = self.rt.store, self.s.login_window_seconds
        keys = (
            f"login:fail:{account_key}",
            f"login:fail-id:{identifier_key or account_key}",
            f"login:fail-client:{client_key(self.rt, client)}",
        )
        account_count = await store.incr(keys[0], window)
        identifier_count = await store.incr(keys[1], window)
        address_count = await store.incr(keys[2], window)
        locked = account_count > self.s.login_lock_after or await store.get(f"login:lock:{account_key}") is not None
        return Attempt(
            account_key,
            keys,
            account_count,
            identifier_count,
            address_count,
            locked,
            self.s.login_captcha_after,
            self.s.client_failure_limit,
        )

    async def refund(self, attempt: Attempt) -> None:
        """Hand back an attempt that checked nothing (captcha missing or wrong)."""
        for key in attempt.keys:
            await self.rt.store.decr(key)

    async def refund_account(self, attempt: Attempt) -> None:
        """Hand back only the account's count (the hidden captcha gate: the caller saw a plain failure)."""
        await self.rt.store.decr(attempt.keys[0])

    async def failed(self, attempt: Attempt) -> bool:
        """A checked password was wrong: the count stays. True if this failure locked the account."""
        if attempt.locked or attempt.account_count < self.s.login_lock_after:
            return False
        return await self.rt.store.set_if_absent(f"login:lock:{attempt.account_key}", "1", self.s.login_lock_seconds)

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: hand back this attempt's own count, never the failures around it."""
        await self.refund(attempt)

    async def check_password(
        self, account_key: str, client: ClientInfo, password: str, password_hash: str | None
    ) -> tuple[bool, bool]:
        """Count, then check a password outside the login form (current password, E1, E7), without a captcha.

        A locked account is not checked (a dummy hash keeps the timing) and answers False. Returns whether
        the password was right and whether this failure locked the account.
        """
        attempt = await self.begin(account_key, client)
        ok = await self.rt.hasher.verify(password, None if attempt.locked else password_hash)
        if ok and not attempt.locked:
            await self.succeeded(attempt)
            return True, False
        return False, await self.failed(attempt)

    async def is_locked(self, account_key: str) -> bool:
        """Whether the account's next password attempt would go unchecked (for staff views and tests)."""
        count = int(await self.rt.store.get(f"login:fail:{account_key}") or 0)
        return count >= self.s.login_lock_after or await self.rt.store.get(f"login:lock:{account_key}") is not None

    async def unlock(self, account_key: str) -> None:
        """Clear the account's count and lock (staff unlock, recovery, appeal approval)."""
        await self.rt.store.delete(f"login:fail:{account_key}")
        await self.rt.store.delete(f"login:lock:{account_key}")
