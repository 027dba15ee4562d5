"""plugins.bankcard_http passes uidp.testing's verifier conformance suite against the simulated provider."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from plugins.bankcard_http import BankCardHttpVerifier, HttpProviderConfig
from tests.plugins.test_bankcard_http import ENV, GOOD, KEY, Provider, query
from uidp.plugin_api import RegisterVerifier, Settings, VerifierKind, hookimpl
from uidp.testing import VerifierConformance


class SimulatedProviderPlugin:
    """plugins.bankcard_http's hook, with the verifier talking to the simulated provider."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    @hookimpl
    def register_verifiers(self, register: RegisterVerifier, settings: Settings) -> None:
        transport = httpx.ASGITransport(app=self.provider.app())
        verifier = BankCardHttpVerifier(HttpProviderConfig.from_env(settings), transport=transport)
        register(VerifierKind.BANK_CARD, verifier)


class TestBankCardHttpConformance(VerifierConformance):
    kind = VerifierKind.BANK_CARD
    verifier_id = "bankcard_http"
    sandbox = False
    plugin_env = ENV

    @pytest.fixture
    def uidp_plugin(self) -> object:
        self.provider = Provider()
        return SimulatedProviderPlugin(self.provider)

    def samples(self) -> Sequence[Any]:
        return [query(GOOD), query(GOOD, name="李四")]

    def secrets(self) -> Sequence[str]:
        return [base64.b64encode(KEY).decode()]

    async def make_it_fail(self, verifier: Any) -> None:
        self.provider.answer_key = b"f" * 32  # a forged answer
        await verifier.verify(query(GOOD))
