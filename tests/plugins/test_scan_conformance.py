"""uidp.testing's login-method conformance suite on the three scan channels (ehuiban, esscard, elicense): the
protocol shape, failed and hostile completions, honest sandbox flags, and the signed callback route refusing
forgeries (tampered, unsigned, stale, unknown partner) and replays while the ticket stays as it was."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import plugins.ehuiban
import plugins.elicense
import plugins.esscard
from uidp.plugin_api import SignAlgorithm, sandbox_partner
from uidp.testing import CallbackCall, CallbackCase, Kit, LoginMethodConformance

START = """mutation($m: String!) { startLogin(input: {method: $m}) { __typename
  ... on LoginScanTicket { ticket secret } } }"""
POLL = """query($id: String!, $s: String!) { loginTicket(id: $id, secret: $s) { __typename
  ... on LoginTicketState { status } ... on Error { code } } }"""
_PRODUCTION_KEY = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
_nonces = itertools.count()


class ScanChannelConformance(LoginMethodConformance):
    """What the three channels share: a scan start, completion only by the callback, a signed callback."""

    sandbox = True  # the dev profile trusts the sandbox partner
    production_sandbox = False  # production needs, and then trusts, the partner's configured key
    plugin_module: ClassVar[Any]

    @pytest.fixture
    def uidp_plugin(self) -> object:
        return self.plugin_module

    @classmethod
    def setup_class(cls) -> None:
        prefix = f"UIDP_{cls.method_id.upper()}_"
        cls.production_env = {prefix + "PARTNER_ID": "partner-1", prefix + "PUBLIC_KEY": _PRODUCTION_KEY}

    def failing_logins(self) -> Sequence[Mapping[str, str]]:
        return [{"ticket": "T" * 43}]  # a scan login is never completed by completeLogin

    def _signed(self, kit: Kit, ticket: str, **fields: str) -> dict[str, str]:
        signer = sandbox_partner(kit.runtime.settings.data_dir, self.method_id, SignAlgorithm.RSA)
        body = {"partner_id": signer.partner_id, "timestamp": str(int(time.time())), "ticket": ticket,
                "nonce": f"conformance-{next(_nonces):08d}", "event": "scanned", **fields}  # fmt: skip
        body["sign"] = signer.sign(body)
        return body

    async def callback_case(self, kit: Kit) -> CallbackCase:
        import json

        started = (await kit.graphql(START, {"m": self.method_id}))["startLogin"]
        path = f"/plugins/{self.method_id}/callback"

        def call(body: Mapping[str, str]) -> CallbackCall:
            return CallbackCall("POST", path, headers={"content-type": "application/json"}, content=json.dumps(body))

        good = self._signed(kit, started["ticket"])
        tampered = {**good, "ticket": started["ticket"][:-1] + "x"}
        unsigned = {k: v for k, v in good.items() if k != "sign"}
        stale = self._signed(kit, started["ticket"], timestamp=str(int(time.time()) - 3600))
        stranger = self._signed(kit, started["ticket"], partner_id="someone-else")

        async def observe(kit: Kit) -> object:
            return (await kit.graphql(POLL, {"id": started["ticket"], "s": started["secret"]}))["loginTicket"]

        return CallbackCase(good=call(good), forged=[call(b) for b in (tampered, unsigned, stale, stranger)],
                            observe=observe, secrets=[started["secret"]])  # fmt: skip


class TestEhuibanConformance(ScanChannelConformance):
    method_id = "ehuiban"
    plugin_module = plugins.ehuiban


class TestEsscardConformance(ScanChannelConformance):
    method_id = "esscard"
    plugin_module = plugins.esscard


class TestElicenseConformance(ScanChannelConformance):
    method_id = "elicense"
    plugin_module = plugins.elicense
