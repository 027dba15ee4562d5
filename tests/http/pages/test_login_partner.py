"""A partner's redirect login (Alipay, its dev sandbox) on the hosted login page: the tab, the return page, and
the round trip in Chromium (our page -> the sandbox's Alipay page -> the callback -> /login/return ->
completeLogin), all served by this machine."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser import open_page, screenshot
from uidp.config import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(make_settings, monkeypatch) -> Settings:
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    return make_settings(plugins="plugins.alipay")


async def test_the_alipay_tab_and_the_return_page(client):
    html = (await client.get("/login", params={"method": "alipay", "return_to": "/x"})).text
    assert 'aria-current="page">支付宝登录<' in html and ">个人登录</a>" in html
    assert 'data-method="alipay"' in html and 'data-return-to="/x"' in html
    back = await client.get("/login/return")
    assert back.status_code == 200 and '<script src="/static/login_return.js"></script>' in back.text
    assert "script-src 'self';" in back.headers["content-security-policy"]
    script = await client.get("/static/login_return.js")
    assert script.status_code == 200 and "completeLogin" in script.text


async def to_our_return_page(route: Any) -> None:
    """The sandbox always returns to the plugin's own page; an operator points UIDP_ALIPAY_RETURN_URL at
    /login/return. So the user's choice on the sandbox's page and the callback run as they are, and only the
    callback's last hop is sent to /login/return (the fragment, with state and code, unchanged)."""
    chosen = await route.fetch(max_redirects=0)
    callback = urljoin(route.request.url, chosen.headers["location"])
    assert urlsplit(callback).path == "/plugins/alipay/callback", callback
    answer = await route.request.frame.page.context.request.get(callback, max_redirects=0)
    location = answer.headers["location"]
    assert answer.status == 303 and location.startswith("/plugins/alipay/return#"), location
    await route.fulfill(status=303, headers={"location": "/login/return#" + location.split("#", 1)[1]})


async def sandbox_choice(route: Any) -> None:
    if route.request.method == "POST":
        await to_our_return_page(route)
    else:
        await route.continue_()


async def test_the_alipay_round_trip_in_chromium(live_url, chromium):
    page = await open_page(chromium)
    await page.route(lambda url: urlsplit(url).path == "/plugins/alipay/sandbox/authorize", sandbox_choice)
    await page.goto(f"{live_url}/login?method=alipay&return_to=/login/done")
    go = page.get_by_role("link", name="前往支付宝登录")
    await go.wait_for(state="visible")
    await screenshot(page, "login-alipay")
    await go.click()
    await page.wait_for_url(lambda url: urlsplit(url).path == "/plugins/alipay/sandbox/authorize")
    await page.click("text=沙箱用户甲")
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login/return")
    status = page.locator("#return-status")
    await page.wait_for_function("() => document.getElementById('return-status').innerText.includes('尚未绑定')")
    assert "尚未绑定本平台账号" in await status.inner_text()  # a new Alipay user: BindingRequired
    assert "auth_code" not in page.url  # the fragment left the address bar
    await screenshot(page, "login-alipay-return")
    assert not page.log.problems(), page.log.problems()
