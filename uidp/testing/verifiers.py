"""The conformance suite of a verifier (SMS gateway, bank-card verifier, business registry): subclass
:class:`VerifierConformance` and set ``kind``, ``verifier_id`` and ``sandbox``.

```python
class TestAcmeSmsConformance(VerifierConformance):
    kind = VerifierKind.SMS_GATEWAY
    verifier_id = "acme"
    sandbox = False
    plugin_env = {"ACME_SMS_URL": "https://sms.acme.example", "ACME_SMS_KEY": "..."}

    @pytest.fixture
    def uidp_plugin(self):
        return AcmeSmsPlugin(transport=simulated_acme())   # an object with @hookimpl methods

    async def make_it_fail(self, verifier):
        ...   # e.g. point the simulated provider at a 500 answer, then call the verifier (it must raise)
```
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest

from uidp.hookspecs import VERIFIER_PROTOCOLS, Verifier, VerifierKind
from uidp.plugin_host import PluginHost
from uidp.ports import BankCardQuery, BankCardResult, RegistryRecord
from uidp.testing.callbacks import CallbackConformance
from uidp.testing.harness import (
    SettingsFactory,
    build_host,
    capture_logs,
    leaks,
    plugin_overrides,
    production_overrides,
)

SANDBOX_PLUGIN = "plugins.sandbox"
STATUSES = ("MATCH", "MISMATCH", "PENDING")

SAMPLE_PHONE = "15012340058"
SAMPLE_TEXT = "【统一身份认证】您的验证码为 482913，5分钟内有效。"
SAMPLE_QUERY = BankCardQuery("陈心", "RESIDENT_ID", "42010219900101121X", "6217000000000000012", SAMPLE_PHONE)
SAMPLE_CREDIT_CODE = "91420100MA4KTC011W"


class VerifierConformance(CallbackConformance):
    """Checks a verifier against its kind's protocol (docs/plugins.md) through the real plugin host."""

    kind: ClassVar[VerifierKind]
    verifier_id: ClassVar[str] = ""
    sandbox: ClassVar[bool]
    production_sandbox: ClassVar[bool | None] = None

    # ---- hooks ---------------------------------------------------------------------------------

    def samples(self) -> Sequence[Any]:
        """What the core asks: ``(phone, text, purpose)`` for an SMS gateway, :class:`BankCardQuery` for a
        bank-card verifier, credit codes for a registry. Their values count as secrets."""
        if self.kind == VerifierKind.SMS_GATEWAY:
            return [(SAMPLE_PHONE, SAMPLE_TEXT, "register")]
        if self.kind == VerifierKind.BANK_CARD:
            return [SAMPLE_QUERY]
        return [SAMPLE_CREDIT_CODE]

    async def make_it_fail(self, verifier: Any) -> None:
        """Make one call that the provider cannot answer (unreachable, a forged or stale answer): it must
        raise. Skipped when not overridden."""
        pytest.skip("make_it_fail is not given")

    # ---- helpers -------------------------------------------------------------------------------

    def _host(self, make: SettingsFactory, plugin: object, **settings: Any) -> PluginHost:
        values = {**self.plugin_settings, **settings}
        if not _names_the_sandbox(plugin, values):
            # another sandbox of the kind would be refused beside plugins.sandbox's; a real one replaces it
            values["disabled_plugins"] = ",".join(filter(None, [values.get("disabled_plugins", ""), SANDBOX_PLUGIN]))
        return build_host(make, plugin, **values)

    def _verifier(self, host: PluginHost) -> Verifier:
        verifier = host.verifiers.get(self.kind)
        assert verifier is not None, f"no {self.kind} is registered"
        assert verifier.id == self.verifier_id, f"the active {self.kind} is {verifier.id!r}, not {self.verifier_id!r}"
        return verifier

    def _sample_secrets(self) -> list[str]:
        values: list[str] = list(self.secrets())
        for sample in self.samples():
            if isinstance(sample, BankCardQuery):
                values += [sample.name, sample.certificate_number, sample.card_number, sample.phone]
            elif isinstance(sample, tuple):
                values += [sample[0], sample[1]]
        return values

    async def _ask(self, verifier: Any, sample: Any) -> Any:
        if self.kind == VerifierKind.SMS_GATEWAY:
            phone, text, purpose = sample
            return await verifier.send(phone, text, purpose=purpose)
        if self.kind == VerifierKind.BANK_CARD:
            return await verifier.verify(sample)
        return await verifier.lookup(sample)

    # ---- the checks ----------------------------------------------------------------------------

    def test_registers_with_the_protocol_shape(self, uidp_settings: SettingsFactory, uidp_plugin: object) -> None:
        verifier = self._verifier(self._host(uidp_settings, uidp_plugin))
        assert isinstance(verifier, VERIFIER_PROTOCOLS[self.kind])
        assert isinstance(verifier.id, str) and verifier.id.strip() == verifier.id and verifier.id
        assert type(verifier.sandbox) is bool, f"sandbox must be True or False, not {verifier.sandbox!r}"
        for name in ("send", "verify", "poll", "lookup"):
            if hasattr(verifier, name):
                assert inspect.iscoroutinefunction(getattr(verifier, name)), f"{name} must be async"

    @pytest.mark.anyio
    async def test_answers_have_the_documented_shape_and_write_no_secret(
        self, uidp_settings: SettingsFactory, uidp_plugin: object
    ) -> None:
        verifier = self._verifier(self._host(uidp_settings, uidp_plugin))
        async with capture_logs() as logs:
            for sample in self.samples():
                answer = await self._ask(verifier, sample)
                await self._check_answer(verifier, answer)
        found = leaks(self._sample_secrets(), logs.texts())
        assert not found, "personal data or a secret reached the log: " + "; ".join(found)

    async def _check_answer(self, verifier: Any, answer: Any) -> None:
        if self.kind == VerifierKind.SMS_GATEWAY:
            assert answer is None, f"send returns nothing (raise on failure), not {answer!r}"
        elif self.kind == VerifierKind.BANK_CARD:
            _check_bank_card_result(answer)
            if answer.status == "PENDING":
                _check_bank_card_result(await verifier.poll(answer.reference))
        else:
            assert answer is None or isinstance(answer, RegistryRecord), f"lookup answered {answer!r}"
            if answer is not None:
                assert all(isinstance(value, str) and value for value in vars(answer).values()), answer

    @pytest.mark.anyio
    async def test_a_failure_raises_and_names_no_secret(
        self, uidp_settings: SettingsFactory, uidp_plugin: object
    ) -> None:
        verifier = self._verifier(self._host(uidp_settings, uidp_plugin))
        async with capture_logs() as logs:
            with pytest.raises(Exception) as failed:  # the core reports any failure the same way
                await self.make_it_fail(verifier)
        assert not isinstance(failed.value, AssertionError), f"make_it_fail did not fail: {failed.value}"
        found = leaks(self._sample_secrets(), [repr(failed.value), *logs.texts()])
        assert not found, "the failure names personal data or a secret: " + "; ".join(found)

    def test_the_sandbox_flag_is_honest(
        self, uidp_settings: SettingsFactory, uidp_plugin: object, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        dev = self._verifier(self._host(uidp_settings, uidp_plugin))
        assert dev.sandbox is self.sandbox, f"on the dev profile the verifier says sandbox={dev.sandbox}"
        expected = self.sandbox if self.production_sandbox is None else self.production_sandbox
        for name, value in (self.production_env or {}).items():
            monkeypatch.setenv(name, value)
        host = self._host(uidp_settings, uidp_plugin, **production_overrides())
        verifier = self._verifier(host)
        assert verifier.sandbox is expected, f"in production the verifier says sandbox={verifier.sandbox}"
        assert (f"{self.kind}:{self.verifier_id}" in host.sandbox_parts()) is expected


def _check_bank_card_result(answer: Any) -> None:
    assert isinstance(answer, BankCardResult), f"verify / poll answered {answer!r}"
    assert answer.status in STATUSES, f"status {answer.status!r} is none of {STATUSES}"
    if answer.status == "MISMATCH":
        assert answer.reason, "a MISMATCH names its reason"
    if answer.status == "PENDING":
        assert answer.reference, "a PENDING answer carries the reference poll takes"


def _names_the_sandbox(plugin: object, settings: dict[str, Any]) -> bool:
    values, _ = plugin_overrides(plugin, **settings)
    return SANDBOX_PLUGIN in values["plugins"].split(",")


__all__ = ["VerifierConformance"]
