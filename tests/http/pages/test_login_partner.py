"""A partner's redirect login (Alipay, its dev sandbox) on the hosted login page: the tab, the return page, and
the round trip in Chromium (our page -> the sandbox's Alipay page -> the callback -> /login/return ->
completeLogin), all served by this machine."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import open_page, screenshot
from tests.support import PASSWORD, register_person, sandbox_code
from uidp.config import Settings
from uidp.models.binding import ExternalBinding
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(make_settings, monkeypatch) -> Settings:
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    monkeypatch.setenv("UIDP_ALIPAY_RETURN_URL", "/login/return")  # the hosted page finishes the login
    return make_settings(plugins="plugins.alipay")


async def test_the_alipay_tab_and_the_return_page(client):
    html = (await client.get("/login", params={"method": "alipay", "return_to": "/x"})).text
    assert 'aria-current="page">支付宝登录<' in html and ">个人登录</a>" in html
    assert 'data-method="alipay"' in html and 'data-return-to="/x"' in html
    back = await client.get("/login/return")
    assert back.status_code == 200 and '<script src="/static/login_return.js"></script>' in back.text
    assert '<script src="/static/binding.js"></script>' in back.text and 'id="binding-panel"' in back.text
    assert "script-src 'self';" in back.headers["content-security-policy"]
    script = await client.get("/static/login_return.js")
    assert script.status_code == 200 and "completeLogin" in script.text


async def to_alipay_and_back(page: Any, live_url: str, user: str) -> None:
    """Our login page -> the sandbox's Alipay page -> pick ``user`` -> its callback -> /login/return (where
    UIDP_ALIPAY_RETURN_URL sends the browser, as in production)."""
    await page.goto(f"{live_url}/login?method=alipay&return_to=/login/done")
    go = page.get_by_role("link", name="前往支付宝登录")
    await go.wait_for(state="visible")
    await go.click()
    await page.wait_for_url(lambda url: urlsplit(url).path == "/plugins/alipay/sandbox/authorize")
    await page.click(f"text={user}")
    await page.wait_for_url(lambda url: urlsplit(url).path in ("/login/return", "/login/done"))


async def test_the_alipay_round_trip_in_chromium(live_url, chromium):
    page = await open_page(chromium)
    await page.goto(f"{live_url}/login?method=alipay&return_to=/login/done")
    await page.get_by_role("link", name="前往支付宝登录").wait_for(state="visible")
    await screenshot(page, "login-alipay")
    await to_alipay_and_back(page, live_url, "沙箱用户甲")
    await page.locator("#binding-panel").wait_for(state="visible")  # a new Alipay user: BindingRequired
    assert "尚未绑定本平台账号" in await page.inner_text("#binding-intro")
    assert await page.inner_text("#return-status") == "身份已验证，请绑定平台账号"
    assert "auth_code" not in page.url  # the fragment left the address bar
    await screenshot(page, "login-alipay-return")
    assert not page.log.problems(), page.log.problems()


async def signed_in(page: Any) -> None:
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login/done")
    assert "已登录" in await page.inner_text("main")


async def test_an_unbound_alipay_user_binds_on_the_page_by_password_or_sms(live_url, chromium, rt):
    """The binding panel: a wrong password spends the ticket (a fresh login is offered); the right one binds 甲 to
    the first person and logs in, and 甲's next Alipay login needs nothing more; 乙 binds to the second person by
    an SMS code to its phone (captcha first)."""
    first, second = "15012340058", "15012340059"
    one = await register_person(rt, ClientInfo("192.0.2.9"), phone=first, seq="121")
    two = await register_person(rt, ClientInfo("192.0.2.9"), phone=second, seq="122", name="李明")
    page = await open_page(chromium)

    await to_alipay_and_back(page, live_url, "沙箱用户甲")
    await page.locator("#binding-form-password").wait_for(state="visible")
    await page.fill("#binding-identifier", first)
    await page.fill("#binding-password", "Wrong#2026pw")
    await page.click("#binding-form-password button[type=submit]")
    await page.locator("#binding-restart").wait_for(state="visible")
    assert "本次登录已失效" in await page.inner_text("#binding-error")
    assert await page.is_hidden("#binding-form-password")
    await screenshot(page, "login-binding-spent")

    await to_alipay_and_back(page, live_url, "沙箱用户甲")
    await page.locator("#binding-form-password").wait_for(state="visible")
    await screenshot(page, "login-binding-password")
    await page.fill("#binding-identifier", first)
    await page.fill("#binding-password", PASSWORD)
    await page.click("#binding-form-password button[type=submit]")
    await signed_in(page)
    assert [row.subject_id for row in await ExternalBinding.filter(provider="alipay")] == [one.id]

    await page.context.clear_cookies()
    await to_alipay_and_back(page, live_url, "沙箱用户甲")
    await signed_in(page)  # bound: straight through

    await page.context.clear_cookies()
    await to_alipay_and_back(page, live_url, "沙箱用户乙")
    await page.locator("#binding-form-password").wait_for(state="visible")
    await page.click("#binding-tab-sms")
    captcha = page.locator("#binding-sms-captcha")
    await captcha.wait_for(state="visible")
    captcha_id = await captcha.get_attribute("data-captcha-id")
    assert captcha_id
    await page.fill("#binding-phone", second)
    await page.fill("#binding-sms-captchaAnswer", CaptchaService(rt).peek(captcha_id) or "")
    await page.click("#binding-send")
    await page.locator("#binding-sent").wait_for(state="visible")
    assert "150****0059" in await page.inner_text("#binding-sent")
    await screenshot(page, "login-binding-sms")
    await page.fill("#binding-smsCode", sandbox_code(rt, second))
    await page.click("#binding-form-sms button[type=submit]")
    await signed_in(page)
    assert {row.subject_id for row in await ExternalBinding.filter(provider="alipay")} == {one.id, two.id}
    assert not page.log.problems(), page.log.problems()
