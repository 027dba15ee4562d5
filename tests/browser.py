"""Browser test helpers: the app on a real port, Debian's headless Chromium through Playwright, kept screenshots.

Use: a ``conftest.py`` of the test folder imports the fixtures (``from tests.browser import chromium, live_url
# noqa: F401``, as tests/http/pages/conftest.py does), then a test module::

    from tests.browser import open_page, screenshot

    async def test_it(live_url, chromium):
        page = await open_page(chromium)
        await page.goto(f"{live_url}/login")
        await screenshot(page, "login")

Without ``/usr/bin/chromium`` or playwright the test is skipped, unless ``UIDP_REQUIRE_BROWSER=1`` (``.ci/run``),
where that is a failure. Every page may talk to 127.0.0.1 only: a request for any other host is refused and
recorded, so a page that needs the internet fails its test.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

CHROMIUM = Path(os.environ.get("UIDP_CHROMIUM", "/usr/bin/chromium"))
BROWSER_REQUIRED = os.environ.get("UIDP_REQUIRE_BROWSER") == "1"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}  # localhost: another site than 127.0.0.1, for cross-site tests
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
# A headless Chromium on a closed network (DESIGN, "Browser tests"): no background calls to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def playwright_or_skip() -> Any:
    """Playwright's async API, or a skip (a failure where UIDP_REQUIRE_BROWSER=1)."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright import async_api
    except ImportError:
        problem = problem or "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if BROWSER_REQUIRED:
            pytest.fail(f"UIDP_REQUIRE_BROWSER=1 and {problem}")
        pytest.skip(problem)
    return async_api


@asynccontextmanager
async def served_on_a_port(app: Any, port: int = 0) -> AsyncIterator[str]:
    """``app`` (its lifespan already running) served by uvicorn on ``port`` of 127.0.0.1 (0: a free one): its
    base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def live_url(app: Any) -> AsyncIterator[str]:
    """The test's app on a free port of 127.0.0.1."""
    async with served_on_a_port(app) as url:
        yield url


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium (a fresh profile per test); each context it opens is offline but for 127.0.0.1."""
    async_api = playwright_or_skip()
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


class PageLog:
    """What a page did that a test may want to see: refused hosts, console lines and page errors."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.console: list[str] = []

    def problems(self, *, expected_statuses: tuple[int, ...] = ()) -> list[str]:
        """Refused hosts, page errors, CSP reports and console errors; a page answered with one of
        ``expected_statuses`` (a form shown again with its errors: 400) is not one."""
        expected = tuple(f"the server responded with a status of {status} " for status in expected_statuses)
        lines = [line for line in self.console if _bad(line) and not any(text in line for text in expected)]
        return [*(f"refused {url}" for url in self.refused), *lines]


async def open_page(browser: Any, *, javascript: bool = True, locale: str = "zh-CN") -> Any:
    """A new page in its own context (own cookies); ``javascript=False`` for the no-script path.

    ``page.log`` (a :class:`PageLog`) records requests for other hosts (refused) and console errors, CSP
    reports included.
    """
    context = await browser.new_context(java_script_enabled=javascript, locale=locale)
    log = PageLog()

    async def only_this_machine(route: Any) -> None:
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            log.refused.append(url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_this_machine)
    page = await context.new_page()
    page.on("console", lambda message: log.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.console.append(f"pageerror: {error}"))
    page.log = log
    return page


async def screenshot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot as ``artifacts/screenshots/<name>.png`` (gitignored) and print its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def _bad(line: str) -> bool:
    return line.startswith(("error:", "pageerror:")) or "Content Security Policy" in line
