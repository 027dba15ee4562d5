"""plugins.sandbox's three verifiers pass uidp.testing's verifier conformance suite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

import plugins.sandbox
from plugins.sandbox.bank_card import TEST_CARDS
from uidp.plugin_api import BankCardQuery, VerifierKind
from uidp.testing import VerifierConformance

QUERY = BankCardQuery("陈心", "RESIDENT_ID", "42010219900101121X", "6217000000000000012", "15012340058")


class SandboxPlugin:
    @pytest.fixture
    def uidp_plugin(self) -> object:
        return plugins.sandbox


class TestSandboxSmsGatewayConformance(SandboxPlugin, VerifierConformance):
    kind = VerifierKind.SMS_GATEWAY
    verifier_id = "sandbox"
    sandbox = True

    async def make_it_fail(self, verifier: Any) -> None:
        verifier.outbox.path.parent.mkdir(parents=True, exist_ok=True)
        verifier.outbox.path.mkdir()  # the outbox cannot be written: delivery fails
        await verifier.send("15012340058", "【统一身份认证】您的验证码为 482913", purpose="register")


class TestSandboxBankCardConformance(SandboxPlugin, VerifierConformance):
    kind = VerifierKind.BANK_CARD
    verifier_id = "sandbox"
    sandbox = True

    def samples(self) -> Sequence[Any]:
        cards = [TEST_CARDS[scenario] for scenario in ("01", "11", "31", "41")]  # match, mismatch, pending, invalid
        return [BankCardQuery(QUERY.name, QUERY.certificate_type, QUERY.certificate_number, card, QUERY.phone)
                for card in cards]  # fmt: skip

    async def make_it_fail(self, verifier: Any) -> None:
        await verifier.verify(BankCardQuery(QUERY.name, "RESIDENT_ID", QUERY.certificate_number,
                                            "6217000000000000996", QUERY.phone))  # fmt: skip


class TestSandboxBusinessRegistryConformance(SandboxPlugin, VerifierConformance):
    kind = VerifierKind.BUSINESS_REGISTRY
    verifier_id = "sandbox"
    sandbox = True

    def samples(self) -> Sequence[Any]:
        return ["91420100MA4KTC011W", "91420100MA4KTC046F", "91420100MA4KTC986N"]

    async def make_it_fail(self, verifier: Any) -> None:
        await verifier.lookup("91420100MA4KTC994H")
