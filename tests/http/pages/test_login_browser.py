"""The hosted login page end to end in a real headless Chromium, offline but for this machine: password login with
JavaScript off and on, proxy login, and a scan channel (鄂汇办) confirmed by the sandbox partner through
``uidp sandbox scan`` (signed callbacks, as the real partner sends them). Screenshots of each page are kept."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest

from tests.browser import open_page, screenshot
from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.support import PASSWORD, register_person, resident_id
from uidp.clock import ManualClock
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio

PHONE = "15012340058"
ID_NUMBER = resident_id(seq="121")


@pytest.fixture
def clock() -> ManualClock:
    """Now: ``uidp sandbox scan`` signs its callbacks with the real time, and stale ones are refused."""
    return ManualClock(datetime.now(UTC))


@pytest.fixture
async def person(rt: Any) -> Any:
    return await register_person(rt, ClientInfo("192.0.2.9"), phone=PHONE)


async def signed_in(page: Any) -> None:
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login/done")
    assert "已登录" in await page.inner_text("main")


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
async def test_password_login(live_url, chromium, person, javascript):
    page = await open_page(chromium, javascript=javascript)
    suffix = "nojs" if not javascript else "js"
    await page.goto(f"{live_url}/login?return_to=/login/done")
    assert await page.get_attribute("html", "lang") == "zh-CN"
    await screenshot(page, f"login-person-{suffix}")
    await page.get_by_label("手机号 / 证件号码").fill(PHONE)
    await page.get_by_label("密码", exact=True).fill("Wrong#2026ok")
    await page.get_by_role("button", name="登录").click()
    error = page.locator("#password-error")
    await error.wait_for()
    assert await error.inner_text() == "账号或密码错误"
    assert await page.get_attribute("#password", "aria-describedby") == "password-error"
    await screenshot(page, f"login-person-error-{suffix}")
    await page.get_by_label("密码", exact=True).fill(PASSWORD)  # the identifier is still there
    await page.get_by_role("button", name="登录").click()
    await signed_in(page)
    await screenshot(page, f"login-done-{suffix}")
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["uidp_session"]["httpOnly"] and cookies["uidp_session"]["sameSite"] == "Strict"
    assert not page.log.problems(expected_statuses=(400,)), page.log.problems()


async def test_proxy_login(live_url, chromium, rt):
    delegation = await Delegation.build(rt)
    page = await open_page(chromium, javascript=False)
    await page.goto(f"{live_url}/login?return_to=/login/done")
    await page.get_by_role("link", name="代理登录").click()
    await page.get_by_label("统一社会信用代码").fill(delegation.credit_code)
    await page.get_by_label("代理人手机号 / 证件号码").fill(AGENT_PHONE)
    await page.get_by_label("代理人密码").fill(delegation.agent_password)
    await screenshot(page, "login-agent")
    await page.get_by_role("button", name="登录").click()
    await signed_in(page)
    assert not page.log.problems(), page.log.problems()


async def test_entity_login(live_url, chromium, rt):
    delegation = await Delegation.build(rt)
    page = await open_page(chromium, javascript=False)
    await page.goto(f"{live_url}/login?method=entity&return_to=/login/done")
    await page.get_by_label("统一社会信用代码").fill(delegation.credit_code)
    await page.get_by_label("密码", exact=True).fill(delegation.entity_password)
    await screenshot(page, "login-entity")
    await page.get_by_role("button", name="登录").click()
    await signed_in(page)


async def test_scan_login_with_the_sandbox_partner(live_url, chromium, person, settings):
    page = await open_page(chromium)
    await page.goto(f"{live_url}/login?method=ehuiban&return_to=/login/done")
    qr = page.locator("#qr-image")
    await qr.wait_for(state="visible")
    assert (await qr.get_attribute("src") or "").startswith("data:image/png;base64,")
    assert await page.inner_text("#qr-status") == "请使用鄂汇办扫描二维码"
    await screenshot(page, "login-scan-ehuiban")
    ticket = await page.get_attribute("#start-panel", "data-ticket")
    assert ticket
    done = await sandbox_scan(settings, ticket, "--channel", "ehuiban", "--as", ID_NUMBER, "--url", live_url)
    assert done.returncode == 0, done.stdout + done.stderr
    await signed_in(page)
    await screenshot(page, "login-scan-done")
    assert not page.log.problems(), page.log.problems()


async def test_a_scan_rejected_on_the_phone_offers_a_new_code(live_url, chromium, person, settings):
    page = await open_page(chromium)
    await page.goto(f"{live_url}/login?method=ehuiban")
    await page.locator("#qr-image").wait_for(state="visible")
    ticket = await page.get_attribute("#start-panel", "data-ticket")
    done = await sandbox_scan(settings, ticket, "--channel", "ehuiban", "--as", ID_NUMBER, "--url", live_url,
                              "--reject")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    await page.locator("#qr-refresh").wait_for(state="visible")
    assert "取消登录" in await page.inner_text("#qr-status")
    await screenshot(page, "login-scan-rejected")
    await page.click("#qr-refresh")
    await page.locator("#qr-image").wait_for(state="visible")
    assert await page.get_attribute("#start-panel", "data-ticket") != ticket


async def sandbox_scan(settings: Any, *args: str) -> Any:
    """``uidp sandbox scan`` in a child process (the event loop keeps serving the page meanwhile)."""
    env = {**os.environ, "UIDP_DATA_DIR": str(settings.data_dir), "UIDP_DATABASE_URL": settings.resolved_database_url(),
           "UIDP_STORE_URL": settings.store_url, "UIDP_STORE_PREFIX": settings.store_prefix}  # fmt: skip
    command = [sys.executable, "-m", "uidp.cli", "sandbox", "scan", *args]
    with anyio.fail_after(60):
        return await anyio.run_process(command, env=env, check=False)


async def test_the_licence_code_renews_itself_every_minute(live_url, chromium, rt, settings):
    """E6 ("每分钟自动更新"): the page asks for a fresh ticket when the last one's refreshSeconds run out, with no
    click, and the renewed code logs the entity in. The page's clock is Playwright's, run on by a minute."""
    from tests.plugins.ca_factory import make_entity, make_person
    from tests.plugins.elicense.conftest import REPRESENTATIVE
    from uidp.plugin_api import make_credit_code

    code = make_credit_code("91", "420100", "MA4K0000")
    entity = await make_entity(rt, code)
    entity.representative_id = (await make_person(rt, number=REPRESENTATIVE)).id
    await entity.save()
    page = await open_page(chromium)
    await page.clock.install()
    await page.goto(f"{live_url}/login?method=elicense&return_to=/login/done")
    await page.locator("#qr-image").wait_for(state="visible")
    first = await page.get_attribute("#start-panel", "data-ticket")
    first_image = await page.get_attribute("#qr-image", "src")
    assert first and first_image
    await page.clock.run_for(59_000)
    assert await page.get_attribute("#start-panel", "data-ticket") == first  # not before the minute is up
    await page.clock.run_for(2_000)
    await page.wait_for_function(
        "first => document.getElementById('start-panel').getAttribute('data-ticket') !== first", arg=first
    )
    renewed = await page.get_attribute("#start-panel", "data-ticket")
    assert renewed and renewed != first
    assert await page.get_attribute("#qr-image", "src") != first_image
    assert await page.is_visible("#qr-image") and not await page.is_visible("#qr-refresh")
    done = await sandbox_scan(settings, renewed, "--channel", "elicense", "--as", REPRESENTATIVE, "--url", live_url,
                              "--credit-code", code, "--role", "legal_representative")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    await page.clock.run_for(2_000)  # the poll that sees CONFIRMED
    await signed_in(page)
    assert not page.log.problems(), page.log.problems()


async def test_a_scan_by_someone_without_an_account_here_offers_the_binding_panel(live_url, chromium, settings):
    """鄂汇办 verified a person no account here has: the page offers to bind (or register) instead of a dead end."""
    page = await open_page(chromium)
    await page.goto(f"{live_url}/login?method=ehuiban&return_to=/login/done")
    await page.locator("#qr-image").wait_for(state="visible")
    ticket = await page.get_attribute("#start-panel", "data-ticket")
    stranger = resident_id(seq="135")
    done = await sandbox_scan(settings, ticket, "--channel", "ehuiban", "--as", stranger, "--name", "王五",
                              "--url", live_url)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    await page.locator("#binding-panel").wait_for(state="visible")
    assert await page.inner_text("#qr-status") == "身份已验证，请绑定平台账号"
    assert "鄂汇办账号尚未绑定本平台账号" in await page.inner_text("#binding-intro")
    assert await page.is_visible("#binding-tab-sms") and await page.is_hidden("#qr-image")
    await screenshot(page, "login-scan-binding")
    assert not page.log.problems(), page.log.problems()
