"""RP-initiated logout in a real headless Chromium: a connected system on another site links to /oidc/logout;
the browser does not send the SameSite=Strict session cookie on that navigation, the person confirms on our page
(its POST does carry it), the session ends and the browser lands on the system's registered post-logout URI
with ``state`` (a cross-origin redirect that the page's CSP form-action must allow). Screenshots are kept."""

from __future__ import annotations

import asyncio
import socket
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.browser import open_page, screenshot
from tests.oidc_support import make_oidc_client
from tests.support import PASSWORD, register_person
from uidp.models.session import Session
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio
PHONE = "15012340058"


async def rp_site(logout_link: Any) -> tuple[str, uvicorn.Server, asyncio.Task[None], socket.socket]:
    """The connected system at http://localhost:<port> (another site than 127.0.0.1): a page with a 退出 link
    (``logout_link(origin)`` makes it) and the page it comes back to."""
    origin: dict[str, str] = {}

    async def home(request: Request) -> Response:
        link = logout_link(origin["url"])
        return HTMLResponse(f'<!DOCTYPE html><html lang="zh-CN"><body><a href="{link}">退出</a></body></html>')

    async def bye(request: Request) -> Response:
        state = request.query_params.get("state", "")
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="zh-CN"><body><p id="bye">业务系统：已退出 {state}</p></body></html>'
        )

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    origin["url"] = f"http://localhost:{sock.getsockname()[1]}"
    app = Starlette(routes=[Route("/", home), Route("/bye", bye)])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.05)
    return origin["url"], server, task, sock


async def log_in(page: Any, live_url: str) -> None:
    await page.goto(f"{live_url}/login?return_to=/login/done")
    await page.get_by_label("手机号 / 证件号码").fill(PHONE)
    await page.get_by_label("密码", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login/done")


async def test_a_system_on_another_site_logs_the_person_out(live_url, chromium, rt):
    person = await register_person(rt, ClientInfo("192.0.2.9"), phone=PHONE)
    client_ids: dict[str, str] = {}

    def link(origin: str) -> str:
        query = {"client_id": client_ids["id"], "post_logout_redirect_uri": origin + "/bye", "state": "s-77"}
        return f"{live_url}/oidc/logout?{urlencode(query)}"

    origin, server, task, sock = await rp_site(link)
    try:
        system = await make_oidc_client(rt, name="鄂汇办", post_logout_redirect_uris=[origin + "/bye"])
        client_ids["id"] = system.row.client_id
        page = await open_page(chromium, javascript=False)
        await log_in(page, live_url)
        await page.goto(origin)
        await page.get_by_role("link", name="退出").click()
        await page.get_by_role("heading", name="退出登录").wait_for()
        assert "“鄂汇办”请求退出" in await page.inner_text("main")
        await screenshot(page, "logout-confirm")
        assert await Session.filter(subject_id=person.id, revoked_at__isnull=True).count() == 1

        await page.get_by_role("button", name="退出", exact=True).click()
        await page.wait_for_url(lambda url: url.startswith(origin + "/bye"))
        assert urlsplit(page.url).query == "state=s-77"
        assert "已退出 s-77" in await page.inner_text("#bye")
        await screenshot(page, "logout-back-at-the-system")
        assert await Session.filter(subject_id=person.id, revoked_at__isnull=True).count() == 0
        assert not page.log.problems(), page.log.problems()
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_logging_out_on_our_own_page_says_so(live_url, chromium, rt):
    person = await register_person(rt, ClientInfo("192.0.2.9"), phone=PHONE)
    page = await open_page(chromium, javascript=False)
    await log_in(page, live_url)
    await page.goto(f"{live_url}/oidc/logout")
    assert "是否退出湖北省统一身份认证平台" in await page.inner_text("main")
    await page.get_by_role("button", name="取消").click()
    await page.get_by_role("heading", name="未退出").wait_for()
    assert await Session.filter(subject_id=person.id, revoked_at__isnull=True).count() == 1
    await page.goto(f"{live_url}/oidc/logout")
    await page.get_by_role("button", name="退出", exact=True).click()
    await page.get_by_role("heading", name="已退出").wait_for()
    await screenshot(page, "logout-done")
    assert await Session.filter(subject_id=person.id, revoked_at__isnull=True).count() == 0
    cookies = {cookie["name"] for cookie in await page.context.cookies()}
    assert "uidp_session" not in cookies
    assert not page.log.problems(), page.log.problems()
