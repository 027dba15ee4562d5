"""P1a + P3 + X5 through HTTP: register with an ID card, log in, see `me`, log out."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, resident_id

pytestmark = pytest.mark.anyio


async def test_register_login_me_logout(api):
    registered = await api.register(api.id_card_form())
    assert registered["__typename"] == "PersonRegistered", registered
    account = registered["account"]
    assert account["status"] == "ACTIVE"
    assert account["level"] == "BASIC"
    assert account["maskedName"] == "陈*"
    assert account["maskedCertificateNumber"] == "***********" + resident_id()[-4:]
    assert account["maskedPhone"] == "150****0058"
    assert registered["needsReview"] is False

    for identifier in ("15012340058", resident_id()):
        login = await api.login(identifier)
        assert login["__typename"] == "LoginSuccess", login
    token = login["token"]
    me = await api.me(token)
    assert me["id"] == account["id"]
    assert me["levelLabel"] == "初级"

    out = await api.data("mutation { logout { __typename } }", token=token)
    assert out["logout"]["__typename"] == "LoggedOut"
    assert await api.me(token) is None


async def test_cookie_session(api, client):
    await api.register(api.id_card_form())
    response = await api.post(
        "mutation($i: LoginWithPasswordInput!){ loginWithPassword(input:$i){ __typename } }",
        {"i": {"identifier": "15012340058", "password": PASSWORD}},
    )
    cookie = response.headers["set-cookie"]
    assert "uidp_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    me = await api.data("{ me { __typename } }")
    assert me["me"]["__typename"] == "PersonAccount"
