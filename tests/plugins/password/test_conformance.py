"""plugins.password passes uidp.testing's login-method conformance suite."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

import pytest

import plugins.password
from tests.support import PASSWORD, register_person
from uidp.plugin_api import ClientInfo
from uidp.testing import GoodLogin, Kit, LoginMethodConformance

WRONG = "Wrong#2026pw"


class TestPasswordConformance(LoginMethodConformance):
    method_id = "password"
    sandbox = False
    param_names = ("identifier", "password", "captchaId", "captchaAnswer")

    @pytest.fixture
    def uidp_plugin(self) -> object:
        return plugins.password

    def failing_logins(self) -> Sequence[Mapping[str, str]]:
        return [{"identifier": "15012340058", "password": WRONG}, {"identifier": "nobody-here", "password": WRONG}]

    def secrets(self) -> Sequence[str]:
        return [PASSWORD]

    async def good_login(self, kit: Kit, state: str | None) -> GoodLogin:
        phone = "150" + str(secrets.randbelow(10**8)).zfill(8)  # PostgreSQL runs share one database
        seq = str(100 + secrets.randbelow(900))
        await register_person(kit.runtime, ClientInfo("203.0.113.9"), phone=phone, seq=seq)
        return GoodLogin({"identifier": phone, "password": PASSWORD}, expect="LoginSuccess", secrets=[phone])
