"""The code flow end to end in a real headless Chromium, offline but for this machine (decision 349): a
connected system (its pages answered inside the browser) pushes a request, the browser is sent across sites
to /oidc/authorize, logs in by password on /login without JavaScript, consents, and lands on the system's
redirect URI with a code, which the system redeems at /oidc/token with PKCE, DPoP and private_key_jwt before
calling /oidc/userinfo. Screenshots of the login, consent, step-up and error pages are kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest

from tests.browser import open_page, screenshot
from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.http.oidc.flow_support import PHONE, authorize_url, person, pushed_uri, query_of, request_params
from tests.oidc_support import REDIRECT_URI
from tests.services.oidc.logins import pkce_pair
from tests.services.oidc.rp import Rp
from tests.support import PASSWORD

pytestmark = pytest.mark.anyio
RP_SITE = "https://rp.example.gov.cn"


class RpSite:
    """The connected system's pages inside the browser: a start page linking to the authorization endpoint,
    and the redirect URI, which records where the browser landed."""

    def __init__(self) -> None:
        self.start = ""
        self.landed: list[str] = []

    async def handle(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(REDIRECT_URI):
            self.landed.append(url)
            body = "<!DOCTYPE html><html lang='zh-CN'><title>RP</title><h1>业务系统回调</h1></html>"
        else:
            link = f"<a id='go' href='{self.start}'>统一身份认证登录</a>"
            body = f"<!DOCTYPE html><html lang='zh-CN'><title>RP</title>{link}</html>"
        await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    async def landing(self, count: int) -> None:
        """Wait until the browser has landed on the redirect URI ``count`` times."""
        with anyio.fail_after(10):
            while len(self.landed) < count:
                await anyio.sleep(0.05)

    async def go(self, page: Any, start: str) -> None:
        """From the system's own page to ``start`` on uidp: a cross-site navigation, as a real one is."""
        self.start = start
        await page.goto(f"{RP_SITE}/start")
        await page.click("#go")


async def rp_browser(chromium: Any, *, javascript: bool = False) -> tuple[Any, RpSite]:
    page = await open_page(chromium, javascript=javascript)
    site = RpSite()
    await page.route(f"{RP_SITE}/**", site.handle)  # a page's route is asked before the context's offline one
    return page, site


async def test_push_login_consent_code_token_userinfo(live_url, chromium, client, rt):
    rp = await Rp.fapi(rt)
    await person(rt)
    verifier, challenge = pkce_pair()
    request_uri = await pushed_uri(client, rp, code_challenge=challenge, proof=await rp.proof("POST", "/oidc/par"))
    page, site = await rp_browser(chromium)
    await site.go(page, live_url + authorize_url(rp, request_uri))
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login")
    await screenshot(page, "oidc-login")
    await page.get_by_label("手机号 / 证件号码").fill(PHONE)
    await page.get_by_label("密码", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: urlsplit(url).path == "/oidc/authorize")
    assert await page.locator("h1").inner_text() == "授权确认"
    text = await page.inner_text("main")
    assert "测试业务系统" in text and "您的姓名" in text and "您的手机号码" in text and "陈*" in text
    await screenshot(page, "oidc-consent")
    await page.get_by_role("button", name="同意").click()
    await page.wait_for_url(lambda url: url.startswith(REDIRECT_URI))
    values = query_of(site.landed[-1])
    assert set(values) == {"code", "state", "iss"} and values["iss"] == rt.settings.oidc_issuer

    nonce_probe = await client.post("/oidc/token", data=rp.code_form(values["code"], verifier),
                                    headers={"dpop": await rp.proof("POST", "/oidc/token", nonce=None)})  # fmt: skip
    assert nonce_probe.json()["error"] == "use_dpop_nonce"
    proof = await rp.proof("POST", "/oidc/token", nonce=nonce_probe.headers["dpop-nonce"])
    token = await client.post("/oidc/token", data=rp.code_form(values["code"], verifier), headers={"dpop": proof})
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    userinfo = await client.get(
        "/oidc/userinfo",
        headers={
            "authorization": f"DPoP {access}",
            "dpop": await rp.proof("GET", "/oidc/userinfo", access_token=access),
        },
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["name"] == "陈心" and userinfo.json()["phone_number"] == "+8615012345651"

    # Logged in and consented: the next sign-in from the system's site comes straight back with a code, through
    # the same-origin continuation that lets the SameSite=Strict session cookie be seen.
    answers: list[tuple[str, int]] = []
    page.on("response", lambda response: answers.append((urlsplit(response.url).path, response.status)))
    await site.go(page, live_url + authorize_url(rp, await pushed_uri(client, rp)))
    await site.landing(2)
    assert "code" in query_of(site.landed[-1]) and site.landed[0] != site.landed[1]
    flow = [answer for answer in answers if answer[0] != "/static/pages.css"]
    # the continuation page (200) and its same-origin refresh, which sees the session (302 with the code)
    assert flow[:3] == [("/start", 200), ("/oidc/authorize", 200), ("/oidc/authorize", 302)], flow
    assert not page.log.problems(), page.log.problems()


async def test_the_step_up_and_error_pages(live_url, chromium, client, rt):
    rp = await Rp.basic(rt, min_level=2)
    await person(rt)
    page, site = await rp_browser(chromium, javascript=True)
    await site.go(page, live_url + authorize_url(rp, **request_params()))
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login")
    await page.get_by_label("手机号 / 证件号码").fill(PHONE)
    await page.get_by_label("密码", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: urlsplit(url).path == "/oidc/authorize")
    assert await page.locator("h1").inner_text() == "需要提升认证等级"
    await screenshot(page, "oidc-step-up")
    await page.get_by_role("button", name="返回业务系统").click()
    await page.wait_for_url(lambda url: url.startswith(REDIRECT_URI))
    assert query_of(site.landed[-1])["error"] == "access_denied"

    await page.goto(f"{live_url}/oidc/authorize?client_id=rp-unknown&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Ax")
    assert await page.locator("h1").inner_text() == "无法完成登录"
    await screenshot(page, "oidc-error")
    assert not page.log.problems(expected_statuses=(400,)), page.log.problems()


async def test_a_proxy_login_consents_as_the_agent_of_the_entity(live_url, chromium, client, rt):
    rp = await Rp.basic(rt)
    world = await Delegation.build(rt)
    page, site = await rp_browser(chromium)
    await site.go(page, live_url + authorize_url(rp, **request_params(scope="openid entity delegation")))
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login")
    await page.get_by_role("link", name="代理登录").click()
    await page.get_by_label("统一社会信用代码").fill(world.credit_code)
    await page.get_by_label("代理人手机号 / 证件号码").fill(AGENT_PHONE)
    await page.get_by_label("代理人密码").fill(world.agent_password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: urlsplit(url).path == "/oidc/authorize")
    text = await page.inner_text("main")
    assert "代理人 赵**" in text and "湖北楚天测试科技有限公司" in text and "授权范围和期限" in text
    await screenshot(page, "oidc-consent-agent")
    await page.get_by_role("button", name="同意").click()
    await site.landing(1)
    assert "code" in query_of(site.landed[-1])
    assert not page.log.problems(), page.log.problems()
