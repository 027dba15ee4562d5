"""The page framework in a real headless Chromium: a page renders with its own stylesheet and nothing from
elsewhere, its form posts through the CSRF check (with the headers Chromium really sends under our
Referrer-Policy), and a form on another site that posts to us is refused."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.browser import open_page, screenshot
from uidp.http.pages.render import csrf_protected, notice_page, render

pytestmark = pytest.mark.anyio


@pytest.fixture
def posted(app: Any) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []

    async def show(request: Request) -> Response:
        return render(request, "notice.html", {"title": "测试页面", "message": "请提交", "action": "/_test/form"})

    async def handle(request: Request, form: FormData) -> Response:
        seen.append(
            {"sec-fetch-site": request.headers.get("sec-fetch-site", ""), **{k: str(v) for k, v in form.items()}}
        )
        return notice_page(request, "已提交", "表单已提交")

    app.router.routes.append(Route("/_test/form", show, methods=["GET"]))
    app.router.routes.append(Route("/_test/form", csrf_protected(handle), methods=["POST"]))
    return seen


async def serve_elsewhere(html: str) -> tuple[str, uvicorn.Server, asyncio.Task[None], socket.socket]:
    """Another site: a page on http://localhost:<port> (another origin, and another site, than 127.0.0.1)."""

    async def page(request: Request) -> Response:
        return HTMLResponse(html)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/", page)]), log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.05)
    return f"http://localhost:{sock.getsockname()[1]}", server, task, sock


async def test_a_page_and_its_form_in_chromium(live_url, chromium, posted):
    page = await open_page(chromium)
    response = await page.goto(f"{live_url}/_test/form")
    assert response.status == 200
    assert await page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == (
        "rgb(179, 38, 30)"
    )  # the stylesheet was loaded under the CSP
    await screenshot(page, "framework-form")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=表单已提交")
    assert len(posted) == 1 and posted[0]["sec-fetch-site"] == "same-origin"
    assert not page.log.problems(), page.log.problems()


async def test_a_form_on_another_site_is_refused_in_chromium(live_url, chromium, posted):
    page = await open_page(chromium)
    await page.goto(f"{live_url}/_test/form")  # this browser has our cookie, and the attacker knows the field name
    token = await page.input_value("input[name=csrf_token]")
    elsewhere, server, task, sock = await serve_elsewhere(
        f'<!DOCTYPE html><form method="post" action="{live_url}/_test/form">'
        f'<input type="hidden" name="csrf_token" value="{token}"><button>领取</button></form>'
    )
    try:
        await page.goto(elsewhere)
        async with page.expect_navigation():
            await page.click("button")
        assert "请求已失效" in await page.content()
        await screenshot(page, "framework-cross-site-refused")
    finally:
        server.should_exit = True
        await task
        sock.close()
    assert posted == []
