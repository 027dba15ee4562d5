"""The example channel's own conformance test, as its integrator ships it in the distribution's tests/.

tests/testing/test_external_channel.py copies it into the built distribution and runs it with pytest in the
environment the distribution is installed in: the plugin comes from its entry point (INSTALLED).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import ClassVar

import pytest
from uidp_example_channel import KEY_VARIABLE, make_token, sign

from uidp.testing import INSTALLED, CallbackCall, CallbackCase, GoodLogin, Kit, LoginMethodConformance

KEY = b"example-partner-shared-key-32byt"
OTHER_KEY = b"someone-else-s-key-of-32-bytes!!"


class TestExampleChannelConformance(LoginMethodConformance):
    method_id = "example"
    sandbox = False
    param_names = ("token",)
    plugin_env: ClassVar[Mapping[str, str]] = {KEY_VARIABLE: base64.b64encode(KEY).decode()}

    @pytest.fixture
    def uidp_plugin(self) -> object:
        return INSTALLED

    def failing_logins(self):
        now = time.time()
        return [
            {"token": make_token(OTHER_KEY, "partner-user-1", "any-state", now)},  # forged
            {"token": make_token(KEY, "partner-user-1", "another-login-s-state", now)},  # another login's
            {"token": "not-a-token"},
        ]

    def secrets(self):
        return [base64.b64encode(KEY).decode()]

    async def good_login(self, kit: Kit, state):
        return GoodLogin({"token": make_token(KEY, "partner-user-1", state, time.time())})

    async def callback_case(self, kit: Kit):
        method = kit.runtime.plugins.login_method("example")
        body = json.dumps({"id": "n-1", "event": "user.updated", "at": time.time()}).encode()
        stale = json.dumps({"id": "n-2", "event": "user.updated", "at": time.time() - 3600}).encode()
        path = "/plugins/example/notify"

        def call(content: bytes, key: bytes = KEY, signed: bytes | None = None) -> CallbackCall:
            signature = sign(key, content if signed is None else signed)
            return CallbackCall("POST", path, headers={"x-example-signature": signature}, content=content)

        async def observe(kit: Kit) -> list[object]:
            return list(method.notices)

        forged = [call(body, OTHER_KEY), call(body + b" ", signed=body), call(stale)]
        return CallbackCase(call(body), forged, observe=observe)
