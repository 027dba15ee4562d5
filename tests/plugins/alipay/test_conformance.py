"""plugins.alipay passes uidp.testing's login-method conformance suite, in its dev sandbox mode
(``UIDP_ALIPAY_SANDBOX=on``: the simulated gateway in the process, the sandbox's authorize page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from uidp.testing import CallbackCall, CallbackCase, GoodLogin, Kit, LoginMethodConformance

AUTHORIZE = "/plugins/alipay/sandbox/authorize"
CALLBACK = "/plugins/alipay/callback"


async def authorize(kit: Kit, state: str, user: str = "0") -> str:
    """A test user agrees on the sandbox's authorize page; the auth_code Alipay sends the browser back with."""
    agreed = await kit.http.post(AUTHORIZE, data={"state": state, "user": user})
    assert agreed.status_code == 303, agreed.text
    return parse_qs(urlsplit(agreed.headers["location"]).query)["auth_code"][0]


class TestAlipayConformance(LoginMethodConformance):
    method_id = "alipay"
    sandbox = True  # the sandbox mode; production refuses it (a configured plugin says False)
    param_names = ("auth_code",)
    plugin_env: ClassVar[Mapping[str, str]] = {"UIDP_ALIPAY_SANDBOX": "on"}

    @pytest.fixture
    def uidp_plugin(self) -> object:
        return "plugins.alipay"

    def failing_logins(self) -> Sequence[Mapping[str, str]]:
        return [{"auth_code": "0123456789abcdef0123456789abcdef"}, {"auth_code": "not a code"}]

    async def good_login(self, kit: Kit, state: str | None) -> GoodLogin:
        assert state is not None
        return GoodLogin({"auth_code": await authorize(kit, state)}, expect="BindingRequired")

    async def callback_case(self, kit: Kit) -> CallbackCase:
        started = await kit.graphql(
            'mutation { startLogin(input: {method: "alipay"}) { ... on LoginRedirect { state } } }'
        )
        state = started["startLogin"]["state"]
        code = await authorize(kit, state)
        good = CallbackCall("GET", CALLBACK, params={"state": state, "auth_code": code})
        forged = [
            CallbackCall("GET", CALLBACK, params={"state": state}),  # Alipay refused: no code
            CallbackCall("GET", CALLBACK, params={"state": "<script>", "auth_code": code}),
        ]
        # The callback only relays the browser to the login page; the single-use state is spent by completeLogin
        # (test_a_started_state_is_single_use), so a repeated redirect is harmless.
        return CallbackCase(good, forged, replay_refused=False, secrets=[code])
