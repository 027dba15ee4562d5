"""The hosted login page through HTTP (issue 12, item 5): every channel offered, the password forms (person,
entity, agent) handled server-side with the login services' own lockout, captcha and audit, the session cookie
and the 303 to ``return_to``, open-redirect attempts, edge checks, and a cross-site POST."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.support import ME, PASSWORD, register_person, resident_id
from uidp.http.auth import SESSION_COOKIE
from uidp.models.audit import AuditEvent
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio

PHONE = "15012340058"
SAME = {"sec-fetch-site": "same-origin"}
RETURN_TO = "/oidc/authorize?request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc&client_id=rp-1"


@pytest.fixture
async def person(rt: Any) -> Any:
    return await register_person(rt, ClientInfo("192.0.2.9"), phone=PHONE)


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def error_of(html: str, field: str) -> str | None:
    found = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else None


async def post_login(
    client: httpx.AsyncClient, method: str = "person", *, return_to: str | None = RETURN_TO, **fields: str
) -> httpx.Response:
    page = await client.get("/login", params={"method": method, **({"return_to": return_to} if return_to else {})})
    assert page.status_code == 200, page.text
    form = {"csrf_token": token_of(page.text), "method": method, "return_to": return_to or "", **fields}
    return await client.post("/login", data=form, headers=SAME)


async def logins(event_type: str) -> list[AuditEvent]:
    return await AuditEvent.filter(event_type=event_type).order_by("at")


async def me(client: httpx.AsyncClient) -> dict[str, Any] | None:
    body = (await client.post("/graphql", json={"query": ME})).json()
    return body["data"]["me"]


# ---- the page ----------------------------------------------------------------------------------------------------


async def test_the_page_offers_every_channel(client):
    page = await client.get("/login", params={"return_to": RETURN_TO})
    assert page.status_code == 200
    html = page.text
    for label in ("个人登录", "法人登录", "代理登录", "鄂汇办扫码登录", "电子社保卡扫码登录", "电子营业执照扫码登录",
                  "数字证书登录"):  # fmt: skip
        assert f">{label}</a>" in html, label
    assert f'href="/login?method=ehuiban&amp;return_to={quote(RETURN_TO, safe="")}"' in html
    assert '<label for="identifier">手机号 / 证件号码</label>' in html
    assert '<label for="password">密码</label>' in html
    assert f'name="return_to" value="{RETURN_TO.replace("&", "&amp;")}"' in html
    assert "<script" not in html  # the password form needs no script


async def test_a_scan_tab_loads_its_script_and_tells_those_without(client):
    html = (await client.get("/login", params={"method": "esscard"})).text
    assert '<script src="/static/login.js"></script>' in html
    assert 'data-method="esscard"' in html and 'data-return-to="/login/done"' in html
    assert "<noscript>" in html and "电子社保卡扫码登录需要启用浏览器脚本" in html
    script = await client.get("/static/login.js")
    assert script.status_code == 200 and "startLogin" in script.text and "redeemLoginTicket" in script.text


async def test_an_unknown_tab_shows_the_first(client):
    html = (await client.get("/login", params={"method": "nope"})).text
    assert 'aria-current="page">个人登录<' in html


# ---- password, person ------------------------------------------------------------------------------------------


async def test_a_person_logs_in_and_is_sent_to_return_to(client, person):
    answer = await post_login(client, identifier=PHONE, password=PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == RETURN_TO
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert (await me(client))["id"] == str(person.id)
    succeeded = await logins("login.succeeded")
    assert len(succeeded) == 1 and succeeded[0].details["method"] == "password"


async def test_the_id_number_works_as_the_identifier(client, person):
    answer = await post_login(client, identifier=resident_id(seq="121"), password=PASSWORD, return_to=None)
    assert answer.status_code == 303 and answer.headers["location"] == "/login/done"
    done = await client.get("/login/done")
    assert done.status_code == 200 and "已登录" in done.text


async def test_the_done_page_without_a_session_goes_to_the_login_page(client):
    answer = await client.get("/login/done")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


async def test_a_wrong_password_and_an_unknown_account_answer_alike_next_to_the_field(client, person):
    wrong = await post_login(client, identifier=PHONE, password="Wrong#2026ok")
    unknown = await post_login(client, identifier="13911112222", password="Wrong#2026ok")
    for answer in (wrong, unknown):
        assert answer.status_code == 400
        assert error_of(answer.text, "password") == "账号或密码错误"
        assert 'aria-invalid="true" aria-describedby="password-error"' in answer.text
        assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
        assert "Wrong#2026ok" not in answer.text  # a password is never echoed
    assert f'value="{PHONE}"' in wrong.text  # the identifier stays typed
    failed = await logins("login.failed")
    assert len(failed) == 2 and all(event.details["method"] == "password" for event in failed)
    assert await me(client) is None


async def test_empty_fields_get_their_own_errors(client, person):
    answer = await post_login(client, identifier="", password="x")
    assert answer.status_code == 400 and error_of(answer.text, "identifier") == "请输入手机号或证件号码"
    answer = await post_login(client, identifier=PHONE, password="")
    assert error_of(answer.text, "password") == "请输入密码"


async def test_the_edge_refuses_long_and_control_characters_before_any_lookup(client, person):
    answer = await post_login(client, identifier="1" * 65, password=PASSWORD)
    assert answer.status_code == 400 and error_of(answer.text, "identifier") == "输入过长，最多 64 个字符"
    answer = await post_login(client, identifier=PHONE + "\x00", password=PASSWORD)
    assert error_of(answer.text, "identifier") == "输入含有不允许的字符（如控制字符）"
    answer = await post_login(client, identifier=PHONE, password="p" * 129)
    assert error_of(answer.text, "password") == "输入过长，最多 128 个字符"
    assert await logins("login.failed") == [] and await me(client) is None


async def test_the_captcha_the_throttle_asks_for_is_shown_and_checked(client, rt, person):
    answer = None
    for _ in range(rt.settings.login_captcha_after):
        answer = await post_login(client, identifier=PHONE, password="Wrong#2026ok")
    assert answer is not None and 'name="captchaId"' in answer.text and 'alt="图形验证码图片"' in answer.text
    assert 'src="data:image/png;base64,' in answer.text
    # The right password without the captcha: refused, the captcha asked for on its field, nothing opened.
    refused = await post_login(client, identifier=PHONE, password=PASSWORD)
    assert refused.status_code == 400 and error_of(refused.text, "captchaAnswer") == "请输入图形验证码"
    assert await me(client) is None
    captcha_id = captcha_id_of(refused.text)
    assert captcha_id
    answer_text = CaptchaService(rt).peek(captcha_id)
    assert answer_text
    form = {"identifier": PHONE, "password": PASSWORD, "captchaId": captcha_id, "captchaAnswer": answer_text}
    page = await client.get("/login")
    opened = await client.post("/login", data={"csrf_token": token_of(page.text), "method": "person",
                                               "return_to": RETURN_TO, **form}, headers=SAME)  # fmt: skip
    assert opened.status_code == 303 and (await me(client))["id"] == str(person.id)


async def test_a_new_captcha_on_request_without_an_attempt(client, rt, person):
    for _ in range(rt.settings.login_captcha_after):
        await post_login(client, identifier=PHONE, password="Wrong#2026ok")
    before = len(await logins("login.failed"))
    again = await post_login(client, identifier=PHONE, password="", refresh_captcha="1")
    assert again.status_code == 200 and 'name="captchaId"' in again.text and f'value="{PHONE}"' in again.text
    assert len(await logins("login.failed")) == before


async def test_a_locked_account_answers_like_a_wrong_password(client, rt, person):
    token = token_of((await client.get("/login")).text)
    captcha: str | None = None

    async def attempt(password: str) -> httpx.Response:
        nonlocal captcha
        form = {"csrf_token": token, "method": "person", "identifier": PHONE, "password": password}
        if captcha:  # the captcha the page shows, answered: each attempt is a real check
            form.update(captchaId=captcha, captchaAnswer=CaptchaService(rt).peek(captcha) or "")
        answer = await client.post("/login", data=form, headers=SAME)
        captcha = captcha_id_of(answer.text)
        return answer

    for _ in range(rt.settings.login_lock_after):
        assert error_of((await attempt("Wrong#2026ok")).text, "password") == "账号或密码错误"
    assert len(await logins("account.locked")) == 1
    locked = await attempt(PASSWORD)  # the right password now: the same answer as a wrong one
    assert locked.status_code == 400 and error_of(locked.text, "password") == "账号或密码错误"
    assert await me(client) is None


def captcha_id_of(html: str) -> str | None:
    found = re.search(r'name="captchaId" value="([^"]+)"', html)
    return found.group(1) if found else None


# ---- entity and proxy ------------------------------------------------------------------------------------------


async def test_an_entity_logs_in_with_its_credit_code(client, rt):
    delegation = await Delegation.build(rt)
    answer = await post_login(client, "entity", creditCode=delegation.credit_code, password=delegation.entity_password)
    assert answer.status_code == 303 and answer.headers["location"] == RETURN_TO
    assert (await me(client))["__typename"] == "EntityAccount"
    wrong = await post_login(client, "entity", creditCode=delegation.credit_code, password="Wrong#2026ok")
    assert wrong.status_code == 400 and error_of(wrong.text, "password") == "账号或密码错误"
    empty = await post_login(client, "entity", creditCode="", password="x")
    assert error_of(empty.text, "creditCode") == "请输入统一社会信用代码"


async def test_an_agent_logs_in_for_the_entity(client, rt):
    delegation = await Delegation.build(rt)
    answer = await post_login(
        client, "agent", creditCode=delegation.credit_code, identifier=AGENT_PHONE, password=delegation.agent_password
    )
    assert answer.status_code == 303 and answer.headers["location"] == RETURN_TO
    body = (await client.post("/graphql", json={"query": "{ me { __typename ... on EntityAccount { id } } }"})).json()
    assert body["data"]["me"] == {"__typename": "EntityAccount", "id": str(delegation.entity.id)}
    succeeded = await logins("login.succeeded")
    assert succeeded[-1].details["method"] == "agent"


async def test_an_agent_without_a_grant_or_the_right_password_gets_nothing(client, rt):
    delegation = await Delegation.build(rt)
    wrong = await post_login(
        client, "agent", creditCode=delegation.credit_code, identifier=AGENT_PHONE, password="Wrong#2026ok"
    )
    assert wrong.status_code == 400 and error_of(wrong.text, "password") == "账号或密码错误"
    bad_code = await post_login(client, "agent", creditCode="91420100MA4K00000X", identifier=AGENT_PHONE,
                                password=delegation.agent_password)  # fmt: skip
    assert bad_code.status_code == 400 and error_of(bad_code.text, "creditCode")
    # a real person with no grant of the entity: the password is right, the grant is missing
    await register_person(rt, ClientInfo("192.0.2.9"), phone="13600002222", seq="131", name="王五")
    none = await post_login(
        client, "agent", creditCode=delegation.credit_code, identifier="13600002222", password=PASSWORD
    )
    assert none.status_code == 400 and await me(client) is None


# ---- return_to, CSRF -----------------------------------------------------------------------------------------


OPEN_REDIRECTS = [
    "//evil.example/x",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " /x",
    "evil.example",
    "/%0d%0a".replace("%0d%0a", "\r\n"),
    "/" + "a" * 2048,
    "/登录",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
async def test_return_to_must_be_a_path_of_this_site(client, person, target):
    page = await client.get("/login", params={"return_to": target})
    assert page.status_code == 400 and "登录后的跳转地址无效" in page.text
    form_page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={
            "csrf_token": token_of(form_page.text),
            "method": "person",
            "return_to": target,
            "identifier": PHONE,
            "password": PASSWORD,
        },
        headers=SAME,
    )
    assert answer.status_code == 400 and "location" not in answer.headers
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert await logins("login.succeeded") == [] and await logins("login.failed") == []


@pytest.mark.parametrize("target", ["/", "/oidc/authorize?a=1&b=%2F%2Fx", "/login/done#frag", "/a/b/../c"])
async def test_paths_of_this_site_are_kept(client, person, target):
    answer = await post_login(client, identifier=PHONE, password=PASSWORD, return_to=target)
    assert answer.status_code == 303 and answer.headers["location"] == target


async def test_a_cross_site_post_opens_no_session(client, person):
    page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"csrf_token": token_of(page.text), "method": "person", "identifier": PHONE, "password": PASSWORD},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert answer.status_code == 403 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert await logins("login.succeeded") == [] and await logins("login.failed") == []


async def test_a_post_for_a_scan_channel_is_refused(client):
    page = await client.get("/login")
    form = {"csrf_token": token_of(page.text), "method": "ehuiban", "identifier": PHONE, "password": PASSWORD}
    answer = await client.post("/login", data=form, headers=SAME)
    assert answer.status_code == 400 and "不支持该登录方式" in answer.text
