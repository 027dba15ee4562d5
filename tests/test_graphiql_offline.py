"""The dev profile's GraphiQL page is served from the app's own files (issue 8, part 4; decision 104): it
renders and runs a query in headless Chromium with every request going to this machine and nothing else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from graph.ide import ASSETS_DIR, PREFIX, assets, missing_assets
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, playwright_or_skip, served_on_a_port
from uidp.app import create_app

pytestmark = pytest.mark.anyio
browser_or_skip = playwright_or_skip  # its old name: tests/plugins/alipay/test_sandbox.py imports it

QUERY = "{ loginMethods { id sandbox } }"


def require_assets() -> None:
    missing = missing_assets()
    assert not missing, f"GraphiQL's files are missing ({missing}): run make venv or python -m graph.ide.fetch"


def src_and_href(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', html)


# ---- the page and its routes, through HTTP ------------------------------------------------------------------


async def test_the_page_refers_only_to_its_own_files(client):
    require_assets()
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    references = src_and_href(response.text)
    files = [ref for ref in references if not ref.startswith("data:")]
    assert files and all(ref.startswith(f"{PREFIX}/") for ref in files), references
    assert sorted(files) == sorted(f"{PREFIX}/{asset.path}" for asset in assets())
    assert "unpkg.com" not in response.text and "cdn" not in response.text.lower()
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"].startswith("'self' 'sha256-") and "unsafe" not in policy["script-src"]
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


def test_a_folder_without_the_files_is_reported(tmp_path):
    assert missing_assets(tmp_path) == [asset.path for asset in assets()]


async def test_every_file_is_served_as_strawberry_pinned_it(client):
    require_assets()
    for asset in assets():
        response = await client.get(f"{PREFIX}/{asset.path}")
        assert response.status_code == 200, asset.path
        assert asset.matches(response.content), f"{asset.path} is not the file Strawberry's integrity hash names"
        kind = "text/javascript" if asset.file.endswith(".js") else "text/css"
        assert response.headers["content-type"] == f"{kind}; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_every_package_ships_its_licence():
    require_assets()
    for release in {asset.release for asset in assets()}:
        licence = (ASSETS_DIR / release / "LICENSE").read_text()
        assert "MIT" in licence and "Permission is hereby granted" in licence, release


@pytest.mark.parametrize(
    "path",
    ["LICENSE", "react@18.2.0/LICENSE", "react@18.2.0/package.json", "../__init__.py", "%2e%2e/__init__.py", ""],
)
async def test_only_the_listed_files_are_served(client, path):
    response = await client.get(f"{PREFIX}/{path}")
    assert response.status_code == 404


async def test_no_ide_files_without_the_ide(make_settings, clock):
    application = create_app(make_settings(graphql_ide=False), clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/graphql", headers={"accept": "text/html"})).status_code == 404
            assert (await http.get(f"{PREFIX}/{assets()[0].path}")).status_code == 404


# ---- the page in a browser, offline --------------------------------------------------------------------------


@pytest.fixture
async def base_url(app: Any) -> AsyncIterator[str]:
    """The app on a free port of 127.0.0.1, for the browser (tests/browser.py)."""
    async with served_on_a_port(app) as url:
        yield url


async def test_graphiql_renders_and_runs_a_query_offline(base_url, tmp_path):
    async_api = playwright_or_skip()
    require_assets()
    requested: list[str] = []
    refused: list[str] = []
    console: list[str] = []

    async def only_this_machine(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            refused.append(url)
            await route.abort("internetdisconnected")

    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            await context.route("**/*", only_this_machine)
            page = await context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
            await page.goto(f"{base_url}/graphql?q={quote(QUERY)}")
            try:
                await page.wait_for_selector(".graphiql-execute-button", timeout=60_000)  # 2 cores, two suites
                await page.wait_for_function(
                    "() => document.querySelector('.graphiql-query-editor')?.innerText.includes('loginMethods')",
                    timeout=10_000,
                )
                await page.click(".graphiql-execute-button")
                await page.wait_for_function(
                    "() => document.querySelector('.result-window')?.innerText.includes('\"sandbox\"')",
                    timeout=20_000,
                )
            except async_api.Error as error:
                await page.screenshot(path=str(tmp_path / "graphiql.png"))
                pytest.fail(f"GraphiQL did not run the query: {error}; console: {console}; refused: {refused}")
            result = await page.inner_text(".result-window")
            await page.screenshot(path=str(tmp_path / "graphiql.png"))
        finally:
            await browser.close()
    assert '"loginMethods"' in result and '"id"' in result, result
    assert not refused, f"the page asked for other hosts: {refused}"
    fetched = [url for url in requested if not url.startswith("data:")]
    assert fetched and all(urlsplit(url).hostname in LOCAL_HOSTS for url in fetched), requested
    assert any(url.endswith("graphiql.min.js") for url in fetched)
    assert not [line for line in console if "Content Security Policy" in line or "integrity" in line], console
