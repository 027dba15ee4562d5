"""plugins.alipay runs uidp.testing's conformance suite (issue 10 item 6), configured in certificate mode against
the simulated gateway: protocol shape, failed and hostile logins, a good login, honest sandbox flag, no secret
or raw PII in logs, events or audit rows, and the callback route refusing forged redirects."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from plugins.alipay import AlipayConfig, AlipayPlugin
from plugins.alipay.sandbox_gateway import SANDBOX_USERS, GatewayApp, SimulatedGateway
from tests.plugins.alipay.conftest import gateway_transport
from tests.plugins.alipay.material import APP_ID, material
from uidp.config import Settings
from uidp.testing import CallbackCall, CallbackCase, GoodLogin, Kit, LoginMethodConformance

USER = SANDBOX_USERS[0]
STATE = "s" * 43


class TestAlipayConformance(LoginMethodConformance):
    method_id = "alipay"
    sandbox = False
    param_names = ("auth_code",)

    @pytest.fixture
    def uidp_plugin(self, tmp_path: Path) -> AlipayPlugin:
        keys = material()
        app = GatewayApp(APP_ID, keys.app_key.public_key(), app_cert=keys.app_cert)
        self.simulated = SimulatedGateway(app, keys.gateway_key, signing_cert=keys.gateway_cert,
                                          roots=(keys.root, keys.ec_root))  # fmt: skip
        env = keys.files(tmp_path / "alipay", mode="certificate")
        config = AlipayConfig.from_env(Settings.from_env({}, data_dir=tmp_path / "data"), env)
        return AlipayPlugin(config, transport=gateway_transport(self.simulated))

    def failing_logins(self) -> Sequence[dict[str, str]]:
        return [{"auth_code": "0" * 32}, {"auth_code": "expired-or-someone-elses"}]

    async def good_login(self, kit: Kit, state: str | None) -> GoodLogin | None:
        return GoodLogin({"auth_code": self.simulated.authorize(USER)}, expect="BindingRequired")

    def secrets(self) -> Sequence[str]:
        return [USER.open_id, USER.user_id, USER.nick_name]

    async def callback_case(self, kit: Kit) -> CallbackCase | None:
        path = "/plugins/alipay/callback"
        good = {"app_id": APP_ID, "source": "alipay_wallet", "scope": "auth_user", "auth_code": "a" * 32,
                "state": STATE}  # fmt: skip
        forged = [
            CallbackCall("GET", path, {**good, "auth_code": ""}),
            CallbackCall("GET", path, {**good, "auth_code": "<script>alert(1)</script>"}),
            CallbackCall("GET", path, {**good, "state": "short"}),
            CallbackCall("GET", path, {**good, "app_id": "2021999999999999"}),
            CallbackCall("GET", path, {**good, "state": "x" * 5000}),
        ]
        # The redirect is not signed by Alipay (the protocol signs the gateway calls): the callback only checks its
        # shape and forwards it, so a repeat is harmless; state and auth_code are what is single use, at completion.
        return CallbackCase(CallbackCall("GET", path, good), forged, replay_refused=False)
