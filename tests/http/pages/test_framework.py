"""The hosted page framework (issue 12, item 5; decisions 250-252) through HTTP: the headers of every page, its
own static files, autoescape, and the CSRF check of a POST form (token tied to the browser, and the source)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support import browser
from uidp.http.pages.csrf import CSRF_COOKIE, CSRF_FIELD
from uidp.http.pages.render import content_security_policy, csrf_protected, notice_page, render
from uidp.pages import STATIC_DIR

pytestmark = pytest.mark.anyio

OWN = "http://testserver"


@pytest.fixture
def posted(app: Any) -> list[dict[str, str]]:
    """A form page on the real app (GET renders a form; POST is csrf_protected); what reached the handler."""
    seen: list[dict[str, str]] = []

    async def show(request: Request) -> Response:
        context = {"title": "测试", "message": request.query_params.get("m", ""), "action": "/_test/form"}
        return render(request, "notice.html", context)

    async def handle(request: Request, form: FormData) -> Response:
        seen.append({key: str(value) for key, value in form.items()})
        return notice_page(request, "已提交", "表单已提交")

    app.router.routes.append(Route("/_test/form", show, methods=["GET"]))
    app.router.routes.append(Route("/_test/form", csrf_protected(handle), methods=["POST"]))
    return seen


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


async def form_token(client: httpx.AsyncClient) -> str:
    """The CSRF field of the form page, as this browser sees it."""
    page = await client.get("/_test/form")
    assert client.cookies.get(CSRF_COOKIE), page.headers.get("set-cookie")
    return token_of(page.text)


def flipped(token: str) -> str:
    return token[:-1] + ("1" if token[-1] == "0" else "0")


def policy_of(response: httpx.Response) -> dict[str, str]:
    parts = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    return dict(part.split(" ", 1) for part in parts)


async def test_a_page_has_the_security_headers_and_its_language(client, posted):
    response = await client.get("/_test/form", params={"m": "你好"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = policy_of(response)
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    html = response.text
    assert '<html lang="zh-CN">' in html and "湖北省统一身份认证平台" in html and "你好" in html
    assert '<link rel="stylesheet" href="/static/pages.css">' in html
    assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP to refuse
    assert all(ref.startswith("/") for ref in re.findall(r'(?:src|href)="([^"]*)"', html))


async def test_the_csrf_cookie_is_httponly_lax_and_set_once(client, posted):
    first = await client.get("/_test/form")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    again = await client.get("/_test/form")
    assert "set-cookie" not in again.headers


async def test_context_is_escaped(client, posted):
    response = await client.get("/_test/form", params={"m": '<script>alert("x")</script>'})
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text


async def test_a_form_from_our_page_reaches_its_handler(client, posted):
    token = await form_token(client)
    answer = await client.post(
        "/_test/form", data={CSRF_FIELD: token, "a": "1"}, headers={"sec-fetch-site": "same-origin"}
    )
    assert answer.status_code == 200 and "表单已提交" in answer.text
    assert posted == [{CSRF_FIELD: token, "a": "1"}]
    # Without Sec-Fetch-Site: our own Origin, or our own Referer, or neither (not a browser).
    for headers in ({"origin": OWN}, {"referer": f"{OWN}/_test/form"}, {}):
        assert (await client.post("/_test/form", data={CSRF_FIELD: token}, headers=headers)).status_code == 200
    assert len(posted) == 4


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "none"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://testserver.evil.example"},
        {"referer": "https://evil.example/page"},
        {"sec-fetch-site": "cross-site", "origin": OWN},
    ],
)
async def test_a_cross_site_post_is_refused_even_with_the_right_token(client, posted, headers):
    token = await form_token(client)
    answer = await client.post("/_test/form", data={CSRF_FIELD: token}, headers=headers)
    assert answer.status_code == 403
    assert "请求已失效" in answer.text and answer.headers["content-type"] == "text/html; charset=utf-8"
    assert posted == []


async def test_a_post_without_this_browsers_token_is_refused(app, client, posted):
    token = await form_token(client)
    same = {"sec-fetch-site": "same-origin"}
    assert (await client.post("/_test/form", data={"a": "1"}, headers=same)).status_code == 403
    assert (await client.post("/_test/form", data={CSRF_FIELD: flipped(token)}, headers=same)).status_code == 403
    async with browser(app) as other:  # another browser: its own cookie, so our token is not its token
        await other.get("/_test/form")
        assert (await other.post("/_test/form", data={CSRF_FIELD: token}, headers=same)).status_code == 403
        other.cookies.clear()
        assert (await other.post("/_test/form", data={CSRF_FIELD: token}, headers=same)).status_code == 403
    assert posted == []


async def test_the_stylesheet_is_served_by_the_app(client):
    response = await client.get("/static/pages.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.content == (STATIC_DIR / "pages.css").read_bytes()
    assert "url(" not in response.text and "@import" not in response.text  # no font or image from elsewhere
    for path in ("/static/../__init__.py", "/static/%2e%2e/__init__.py", "/static/missing.css"):
        assert (await client.get(path)).status_code == 404


def test_form_action_names_only_origins():
    assert content_security_policy(["https://rp.example.gov.cn/callback?x=1"]).endswith(
        "form-action 'self' https://rp.example.gov.cn"
    )
    for bad in ("javascript:alert(1)", "/relative", "data:text/html,x"):
        with pytest.raises(ValueError):
            content_security_policy([bad])
