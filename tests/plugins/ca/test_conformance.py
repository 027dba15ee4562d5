"""plugins.ca passes uidp.testing's login-method conformance suite (with a trusted test root on the dev profile)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

import plugins.ca
from tests.plugins.ca_factory import NOW, CaFactory
from uidp.testing import LoginMethodConformance
from uidp.testing.harness import SettingsFactory

CHALLENGE = "conformance-challenge-0123456789abcdef"


class TestCertificateConformance(LoginMethodConformance):
    method_id = "ca"
    sandbox = False
    param_names = ("certificate", "chain", "challenge", "signature", "at")

    @pytest.fixture
    def uidp_plugin(self, uidp_settings: SettingsFactory) -> object:
        trusted = CaFactory(label="Conformance Root")
        trusted.write_root(uidp_settings().data_dir / "ca" / "roots")  # the dev profile trusts these roots
        stranger = CaFactory(label="Conformance Root")  # same name, another key: not trusted
        self.trusted_leaf = trusted.issue_person()
        self.stranger_leaf = stranger.issue_person()
        return plugins.ca

    def failing_logins(self) -> Sequence[Mapping[str, str]]:
        at, signed_by_stranger = NOW.isoformat(), self.stranger_leaf.sign(CHALLENGE)
        untrusted = {"certificate": self.stranger_leaf.pem, "challenge": CHALLENGE, "signature": signed_by_stranger}
        not_its_key = {"certificate": self.trusted_leaf.pem, "challenge": CHALLENGE, "signature": signed_by_stranger}
        garbage = {"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}
        return [{**untrusted, "at": at}, {**not_its_key, "at": at}, {**garbage, "at": at}]
