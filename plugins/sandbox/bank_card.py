"""The sandbox bank-card four-element verifier: deterministic, documented in docs/plugins.md.

The outcome depends only on the card number: the two digits before the final (Luhn) check digit pick the
scenario, so a front-end team can try every branch with the test cards of ``TEST_CARDS``. Name, certificate
number and phone are not compared: a MATCH card matches anything, and a mismatch card always fails for its
documented reason. Pending checks keep their state in the reference itself (scenario and the moment the
answer is ready), so any worker of a multi-worker server can answer ``poll``; that is also why the default
clock is the wall clock rather than ``time.monotonic`` (which differs between processes).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from uidp.plugin_api import BankCardQuery, BankCardResult, luhn_check_digit

PENDING_SECONDS = 30.0
REFERENCE_PREFIX = "sbx"


class SandboxUnavailable(Exception):
    """The sandbox playing an unreachable provider (scenario 99)."""


# scenario (the two digits before the check digit) -> (first answer, final answer, what it shows)
SCENARIOS: dict[str, tuple[BankCardResult, BankCardResult | None, str]] = {
    "01": (BankCardResult("MATCH"), None, "match: level 2"),
    "11": (BankCardResult("MISMATCH", "NAME_MISMATCH"), None, "name mismatch (姓名不一致)"),
    "12": (BankCardResult("MISMATCH", "CERTIFICATE_MISMATCH"), None, "certificate mismatch (证件号码不一致)"),
    "13": (BankCardResult("MISMATCH", "PHONE_MISMATCH"), None, "reserved phone mismatch (预留手机号不一致)"),
    "21": (BankCardResult("MISMATCH", "ACCOUNT_CLASS_NOT_ALLOWED"), None, "class-II account (II类账户)"),
    "22": (BankCardResult("MISMATCH", "ACCOUNT_CLASS_NOT_ALLOWED"), None, "class-III account (III类账户)"),
    "31": (BankCardResult("PENDING"), BankCardResult("MATCH"), "pending, then match"),
    "32": (BankCardResult("PENDING"), BankCardResult("MISMATCH", "NAME_MISMATCH"), "pending, then name mismatch"),
    "41": (BankCardResult("MISMATCH", "CARD_INVALID"), None, "card closed or unknown (银行卡无效)"),
    "99": (BankCardResult("PENDING"), None, "provider unreachable: verify() raises"),
}
DEFAULT = BankCardResult("MATCH")  # any other scenario digits
_PREFIX = "6217000000000000"  # 16 digits; + 2 scenario digits + 1 check digit = 19


def sandbox_card(scenario: str, prefix: str = _PREFIX) -> str:
    """The Luhn-valid test card number for a scenario (``sandbox_card("11")`` fails with NAME_MISMATCH)."""
    partial = prefix + scenario
    return partial + luhn_check_digit(partial)


TEST_CARDS: dict[str, str] = {scenario: sandbox_card(scenario) for scenario in SCENARIOS}


def scenario_of(card_number: str) -> str:
    return card_number[-3:-1]


class SandboxBankCardVerifier:
    """Answers from the card number alone; PENDING cards are ready ``pending_seconds`` after verify()."""

    id = "sandbox"
    sandbox = True

    def __init__(self, clock: Callable[[], float] = time.time, pending_seconds: float = PENDING_SECONDS) -> None:
        self.clock = clock  # tests point this at their manual clock
        self.pending_seconds = pending_seconds

    async def verify(self, query: BankCardQuery) -> BankCardResult:
        scenario = scenario_of(query.card_number)
        if scenario == "99":
            raise SandboxUnavailable("sandbox provider unreachable (test card scenario 99)")
        first, final, _ = SCENARIOS.get(scenario, (DEFAULT, None, ""))
        if final is None:
            return first
        ready_at = int(self.clock() + self.pending_seconds)
        reference = f"{REFERENCE_PREFIX}-{scenario}-{ready_at}-{secrets.token_hex(8)}"
        return BankCardResult("PENDING", reference=reference)

    async def poll(self, reference: str) -> BankCardResult:
        try:
            prefix, scenario, ready_at, _ = reference.split("-")
            final = SCENARIOS[scenario][1]
            ready = int(ready_at)
        except (KeyError, ValueError):
            raise LookupError("unknown sandbox bank-card reference") from None
        if prefix != REFERENCE_PREFIX or final is None:
            raise LookupError("unknown sandbox bank-card reference")
        if self.clock() < ready:
            return BankCardResult("PENDING", reference=reference)
        return BankCardResult(final.status, final.reason)
