"""The dev profile's Alipay sandbox, loaded as an operator would (``UIDP_PLUGINS=plugins.alipay``,
``UIDP_ALIPAY_SANDBOX=on``), walked through HTTP as a browser does: startLogin -> the sandbox's authorize page ->
pick a test user -> the callback -> the return page -> completeLogin. Production refuses it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from plugins.alipay.callback import SCRIPT_HASH
from tests.plugins.alipay.material import material
from tests.plugins.alipay.test_login import COMPLETE, START, call
from tests.support import PASSWORD, production_keys
from tests.test_graphiql_offline import CHROMIUM, CHROMIUM_ARGS, base_url, browser_or_skip
from uidp.app import create_app
from uidp.config import ConfigError, Settings
from uidp.models.binding import ExternalBinding
from uidp.plugin_host import PluginHost

pytestmark = pytest.mark.anyio
__all__ = ["base_url"]  # the fixture: the app on a port of 127.0.0.1, for the browser


@pytest.fixture
def settings(make_settings, monkeypatch) -> Settings:
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    return make_settings(plugins="plugins.alipay")


@pytest.fixture
def extra_plugins() -> list[Any]:
    return []


async def browse_to_alipay(client: httpx.AsyncClient, choice: str) -> tuple[str, httpx.Response]:
    methods = (await client.post("/graphql", json={"query": "{ loginMethods { id sandbox starts } }"})).json()
    assert {"id": "alipay", "sandbox": True, "starts": True} in methods["data"]["loginMethods"]
    started = await call(client, START, {"method": "alipay", "params": []})
    assert started["__typename"] == "LoginRedirect", started
    page = await client.get(started["url"])
    assert page.status_code == 200 and "沙箱用户甲" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    agreed = await client.post(urlsplit(started["url"]).path, data={"state": started["state"], "user": choice})
    assert agreed.status_code == 303
    callback = await client.get(agreed.headers["location"])
    return started["state"], callback


async def test_the_whole_flow_in_a_browser(client):
    state, callback = await browse_to_alipay(client, "0")
    assert callback.status_code == 303, callback.text
    landing = urlsplit(callback.headers["location"])
    back = {k: v[0] for k, v in parse_qs(landing.fragment).items()}
    assert back["state"] == state and back["method"] == "alipay"
    page = await client.get(landing.path)
    assert page.status_code == 200 and "completeLogin" in page.text
    assert f"'sha256-{SCRIPT_HASH}'" in page.headers["content-security-policy"]
    done = await call(client, COMPLETE, {"method": "alipay", "state": state,
                                         "params": [{"name": "auth_code", "value": back["auth_code"]}]})  # fmt: skip
    assert done["__typename"] == "BindingRequired", done


async def test_refusing_at_alipay_comes_back_without_a_code(client):
    _, callback = await browse_to_alipay(client, "refuse")
    assert callback.status_code == 400 and 'data-code="REQUIRED"' in callback.text


async def test_the_sandbox_authorize_page_checks_its_link(client):
    page = await client.get("/plugins/alipay/sandbox/authorize", params={"app_id": "1", "scope": "auth_user"})
    assert page.status_code == 400 and 'data-code="INVALID_FORMAT"' in page.text


def test_production_refuses_the_sandbox(make_settings, monkeypatch):
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    production = make_settings(plugins="plugins.alipay", profile="production", bcrypt_rounds=12, cookie_secure=True,
                               **production_keys())  # fmt: skip
    with pytest.raises(ConfigError, match="alipay"):
        PluginHost(production).check_production()


def test_a_configured_plugin_loads_from_its_variables(make_settings, monkeypatch, tmp_path):
    for name, value in material().files(tmp_path / "keys").items():
        monkeypatch.setenv(name, value)
    host = PluginHost(make_settings(plugins="plugins.alipay"))
    method = host.login_method("alipay")
    assert method is not None and method.sandbox is False
    monkeypatch.setenv("UIDP_ALIPAY_KEY_MODE", "rsa")
    with pytest.raises(ConfigError, match="UIDP_ALIPAY_KEY_MODE"):
        PluginHost(make_settings(plugins="plugins.alipay"))


async def test_the_sandbox_in_a_real_browser(base_url, api, tmp_path):
    """Headless Chromium on the dev sandbox: our login page -> the sandbox's Alipay page -> pick a user -> back,
    BindingRequired -> the binding form with the account's phone and password -> logged in."""
    async_api = browser_or_skip()
    person = await api.register(api.id_card_form())
    assert person["__typename"] == "PersonRegistered", person
    console: list[str] = []
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context()).new_page()
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
            try:
                await page.goto(f"{base_url}/plugins/alipay/return")
                await page.click("#start", timeout=20_000)
                await page.wait_for_url("**/plugins/alipay/sandbox/authorize?**", timeout=20_000)
                await page.click("text=沙箱用户甲")
                await page.wait_for_selector("#bind:not([hidden])", timeout=20_000)
                assert "尚未绑定" in await page.inner_text("#out")
                await page.fill("input[name=identifier]", "15012340058")
                await page.fill("input[name=password]", PASSWORD)
                await page.click("#bind button")
                await page.wait_for_function("() => document.getElementById('out').innerText === '登录成功'",
                                             timeout=20_000)  # fmt: skip
            except async_api.Error as error:
                await page.screenshot(path=str(tmp_path / "alipay.png"))
                shown = await page.inner_text("body")
                pytest.fail(f"the sandbox flow stopped: {error}; page: {shown}; console: {console}")
            assert "auth_code" not in page.url  # the fragment was cleared
        finally:
            await browser.close()
    assert not [line for line in console if "Content Security Policy" in line], console
    assert await ExternalBinding.filter(provider="alipay").count() == 1


@pytest.mark.parametrize("mode", ["certificate"])
async def test_the_sandbox_in_certificate_mode(make_settings, monkeypatch, clock, mode):
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    monkeypatch.setenv("UIDP_ALIPAY_KEY_MODE", mode)
    application = create_app(make_settings(plugins="plugins.alipay"), clock=clock)
    async with application.router.lifespan_context(application):
        method = application.state.runtime.plugins.login_method("alipay")
        assert method.config.key_mode == "certificate" and method.config.app_cert_sn
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            state, callback = await browse_to_alipay(client, "1")
            back = {k: v[0] for k, v in parse_qs(urlsplit(callback.headers["location"]).fragment).items()}
            code = [{"name": "auth_code", "value": back["auth_code"]}]
            done = await call(client, COMPLETE, {"method": "alipay", "state": state, "params": code})
    assert done["__typename"] == "BindingRequired", done


async def test_the_sandbox_sends_the_browser_on_to_the_configured_return_url(make_settings, monkeypatch, clock):
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    monkeypatch.setenv("UIDP_ALIPAY_RETURN_URL", "/login/return")
    application = create_app(make_settings(plugins="plugins.alipay"), clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            state, callback = await browse_to_alipay(client, "0")
            landing = urlsplit(callback.headers["location"])
            assert callback.status_code == 303 and landing.path == "/login/return", callback.headers
            back = {k: v[0] for k, v in parse_qs(landing.fragment).items()}
            assert back["state"] == state and back["method"] == "alipay"
            code = [{"name": "auth_code", "value": back["auth_code"]}]
            done = await call(client, COMPLETE, {"method": "alipay", "state": state, "params": code})
    assert done["__typename"] == "BindingRequired", done


@pytest.mark.parametrize("url", ["//evil.example/", "http://evil.example/login", "javascript:alert(1)"])
def test_the_sandbox_refuses_a_return_url_off_this_site_or_not_https(make_settings, monkeypatch, url):
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    monkeypatch.setenv("UIDP_ALIPAY_RETURN_URL", url)
    with pytest.raises(ConfigError, match="UIDP_ALIPAY_RETURN_URL"):
        PluginHost(make_settings(plugins="plugins.alipay"))


def test_the_sandbox_refuses_an_unknown_key_mode(make_settings, monkeypatch):
    monkeypatch.setenv("UIDP_ALIPAY_SANDBOX", "on")
    monkeypatch.setenv("UIDP_ALIPAY_KEY_MODE", "rsa")
    with pytest.raises(ConfigError, match="UIDP_ALIPAY_KEY_MODE"):
        PluginHost(make_settings(plugins="plugins.alipay"))
