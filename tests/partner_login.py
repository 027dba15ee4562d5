"""A test-only partner for the login pipeline: login methods that a test registers through ``extra_plugins``.

The partner plays both sides: its "authorize page" hands out one-time codes for a subject (``authorize``), and
its login methods turn a code back into the assertion, as Alipay's or a scan channel's would. Each method checks
that the core handed back what its ``start`` asked it to keep.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from uidp.hookspecs import hookimpl
from uidp.ports import (
    Assertion,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    LoginStart,
    RedirectStart,
    ScanStart,
    StartRequest,
    Trust,
)


@dataclass
class Partner:
    """The partner's own side: who logged in there, by one-time code."""

    codes: dict[str, Assertion] = field(default_factory=dict)

    def authorize(self, method: str, subject: str, *, kind: str = "person", display: str = "", **claims: str) -> str:
        """The code the partner's page gives back after its user logged in there."""
        code = secrets.token_urlsafe(12)
        self.codes[code] = Assertion(
            provider=method, subject=subject, subject_kind=kind, claims=claims, display=display
        )
        return code


class RedirectMethod:
    """A partner with an authorize page (Alipay-like): a redirect, then the partner's code."""

    label = "测试合作方登录"
    sandbox = True
    trust: frozenset[Trust] = frozenset()

    def __init__(self, partner: Partner, method_id: str = "partner", trust: frozenset[Trust] = frozenset()) -> None:
        self.partner = partner
        self.id = method_id
        self.trust = trust
        self.starts: list[StartRequest] = []

    async def start(self, request: StartRequest) -> LoginStart:
        if request.params.get("fail"):
            raise LoginFailure("partner down")
        self.starts.append(request)
        return RedirectStart(
            f"https://partner.example/authorize?state={request.state}", keep={"nonce": _nonce(request.state)}
        )

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        if request.state is None or request.kept.get("nonce") != _nonce(request.state):
            raise LoginFailure("the core lost what start kept")
        assertion = self.partner.codes.pop(request.params.get("code", ""), None)
        if assertion is None or assertion.provider != self.id:
            raise LoginFailure("unknown code")
        return assertion


class ScanMethod(RedirectMethod):
    """A scan channel's start: a QR payload, a short life and a refresh."""

    async def start(self, request: StartRequest) -> LoginStart:
        return ScanStart(f"partner-app://login?ticket={request.ticket}", lifetime_seconds=60, refresh_seconds=60,
                         keep={"nonce": _nonce(request.ticket)})  # fmt: skip


class DirectMethod:
    """A method without a start: the code is the whole proof."""

    label = "测试直接登录"
    sandbox = True

    def __init__(self, partner: Partner, method_id: str = "direct") -> None:
        self.partner = partner
        self.id = method_id

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        assertion = self.partner.codes.pop(request.params.get("code", ""), None)
        if assertion is None:
            raise LoginFailure("unknown code")
        return assertion


class PartnerPlugin:
    """Registers the partner's methods: ``partner`` (no trust), ``trusted`` (ID numbers and credit codes),
    ``scan`` (a QR code), ``direct`` (no start) and ``liar`` (asserts for another provider)."""

    def __init__(self) -> None:
        self.partner = Partner()
        self.methods: dict[str, Any] = {
            "partner": RedirectMethod(self.partner),
            "trusted": RedirectMethod(self.partner, "trusted", frozenset({Trust.ID_NUMBER, Trust.CREDIT_CODE})),
            "scan": ScanMethod(self.partner, "scan"),
            "direct": DirectMethod(self.partner),
            "liar": DirectMethod(self.partner, "liar"),
        }

    @hookimpl
    def register_login_methods(self, register: Any) -> None:
        for method in self.methods.values():
            register(method)

    def authorize(self, method: str, subject: str, **kwargs: Any) -> str:
        return self.partner.authorize(method, subject, **kwargs)


def _nonce(state: str) -> str:
    return "n-" + state[:12]


def params(values: Mapping[str, str]) -> list[dict[str, str]]:
    """GraphQL's list of LoginParamInput from a dict."""
    return [{"name": name, "value": value} for name, value in values.items()]
