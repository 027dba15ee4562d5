"""GET /oidc/authorize through HTTP: a pushed request (FAPI) or a query request (basic) followed to the login
page, the consent page and back to the connected system with code, state and iss (RFC 9207); the error page
(400, never a redirect) until the client and its redirect URI are known, error redirects after that, the
browser binding, and the same-origin continuation for a browser sent by another site."""

from __future__ import annotations

import httpx
import pytest

from tests.http.oidc.flow_support import (
    CROSS,
    authorize_url,
    consent,
    landed,
    log_in,
    person,
    pushed_uri,
    query_of,
    request_params,
    to_consent_page,
)
from tests.oidc_support import REDIRECT_URI
from tests.services.oidc.logins import pkce_pair
from tests.services.oidc.rp import Rp
from uidp.events import EventType
from uidp.http.auth import SESSION_COOKIE
from uidp.http.login_browser import BROWSER_COOKIE
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization, OidcClient
from uidp.services.oidc.par import REQUEST_URI_PREFIX

pytestmark = pytest.mark.anyio


async def approve(client: httpx.AsyncClient, page: httpx.Response) -> httpx.Response:
    return await consent(client, page, "approve")


async def test_a_pushed_request_through_login_and_consent_to_a_code_and_tokens(client, rt):
    rp = await Rp.fapi(rt)
    await person(rt)
    verifier, challenge = pkce_pair()
    request_uri = await pushed_uri(client, rp, code_challenge=challenge, proof=await rp.proof("POST", "/oidc/par"))
    start = await client.get(authorize_url(rp, request_uri))
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith("/login?return_to=%2Foidc%2Fauthorize%3Fpending%3D")
    assert f"{BROWSER_COOKIE}=" in start.headers["set-cookie"]
    assert "httponly" in start.headers["set-cookie"].lower() and "samesite=lax" in start.headers["set-cookie"].lower()
    return_to = query_of(location)["return_to"]
    # the login page lets its form's answer go on to the system (consent may be remembered already)
    login_page = await client.get("/login", params={"return_to": return_to})
    assert "form-action 'self' https://rp.example.gov.cn" in login_page.headers["content-security-policy"]
    back = await log_in(client, return_to)
    assert back.headers["location"] == return_to
    page = await client.get(return_to)
    assert page.status_code == 200 and "授权确认" in page.text
    assert "测试业务系统" in page.text and "陈*" in page.text
    for label in ("您的平台账号标识（每个系统各不相同）", "您的姓名", "您的手机号码"):
        assert f"<li>{label}</li>" in page.text
    assert "form-action 'self' https://rp.example.gov.cn" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "style=" not in page.text
    values = landed(await approve(client, page))
    assert set(values) == {"code", "state", "iss"}
    assert (values["state"], values["iss"]) == ("st-http", rt.settings.oidc_issuer)

    token = await client.post(
        "/oidc/token",
        data=rp.code_form(values["code"], verifier),
        headers={"dpop": await rp.proof("POST", "/oidc/token")},
    )
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "DPoP" and body["scope"] == "openid profile phone"
    userinfo = await client.get(
        "/oidc/userinfo",
        headers={
            "authorization": f"DPoP {body['access_token']}",
            "dpop": await rp.proof("GET", "/oidc/userinfo", access_token=body["access_token"]),
        },
    )
    assert userinfo.status_code == 200 and userinfo.json()["name"] == "陈心"

    # the consent is remembered: the next push goes straight back with a code
    again = await client.get(authorize_url(rp, await pushed_uri(client, rp)))
    assert "code" in landed(again) and again.status_code == 302
    assert await AuditEvent.filter(event_type=EventType.OIDC_CODE_ISSUED).count() == 2
    # a request_uri is used once
    assert (await client.get(authorize_url(rp, request_uri))).status_code == 400


async def test_a_basic_client_may_send_its_request_in_the_query(client, rt):
    rp = await Rp.basic(rt)
    await person(rt)
    page = await to_consent_page(client, authorize_url(rp, **request_params()))
    assert page.status_code == 200 and "授权确认" in page.text
    values = landed(await approve(client, page))
    assert "code" in values and values["state"] == "st-http"


async def test_a_fapi_client_must_push(client, rt):
    rp = await Rp.fapi(rt)
    answer = await client.get(authorize_url(rp, **request_params()))
    values = landed(answer)  # its redirect URI is registered, so the error goes back to it
    assert values["error"] == "invalid_request" and values["state"] == "st-http" and "code" not in values
    assert values["iss"] == rt.settings.oidc_issuer
    refused = await AuditEvent.get(event_type=EventType.OIDC_AUTHORIZATION_REFUSED)
    assert refused.details["error"] == "invalid_request" and refused.details["client_id"] == rp.row.client_id


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"client_id": "rp-not-registered", "request_uri": REQUEST_URI_PREFIX + "x" * 43}, "invalid_client"),
        ({"client_id": "bad client id\u00e9"}, "invalid_client"),
        ({"request_uri": REQUEST_URI_PREFIX + "x" * 43}, "invalid_request"),
        ({"client_id": "{rp}", "request_uri": REQUEST_URI_PREFIX + "x" * 43}, "invalid_request_uri"),
        ({"client_id": "{rp}", "request_uri": "https://rp.example.gov.cn/request.jwt"}, "invalid_request_uri"),
        ({"client_id": "{basic}", **request_params(redirect_uri="https://evil.example/cb")}, "invalid_request"),
        (
            {"client_id": "{basic}", **request_params(redirect_uri=REDIRECT_URI + "/")},
            "invalid_request",
        ),
        ({"client_id": "{basic}", **request_params(redirect_uri=None)}, "invalid_request"),
        ({"client_id": "{rp}", **request_params(redirect_uri="https://evil.example/cb")}, "invalid_request"),
    ],
)
async def test_before_the_client_and_redirect_uri_are_known_an_error_page_never_a_redirect(client, rt, query, error):
    rp, basic = await Rp.fapi(rt), await Rp.basic(rt)
    query = {name: value.format(rp=rp.row.client_id, basic=basic.row.client_id) for name, value in query.items()}
    answer = await client.get("/oidc/authorize", params=query)
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "无法完成登录" in answer.text and f"<code>{error}</code>" in answer.text
    assert "evil.example" not in answer.text
    assert answer.headers["content-security-policy"].endswith("form-action 'self'")


async def test_repeated_parameters_and_disabled_clients_get_the_page(client, rt):
    rp = await Rp.fapi(rt)
    request_uri = await pushed_uri(client, rp)
    repeated = await client.get(
        f"/oidc/authorize?client_id={rp.row.client_id}&client_id={rp.row.client_id}&request_uri={request_uri}"
    )
    assert repeated.status_code == 400 and "location" not in repeated.headers
    other = await Rp.fapi(rt)
    assert (await client.get(authorize_url(other, request_uri))).status_code == 400  # not theirs: left in place
    await OidcClient.filter(id=rp.row.id).update(disabled_at=rt.clock.now())
    disabled = await client.get(authorize_url(rp, request_uri))
    assert disabled.status_code == 400 and "<code>invalid_client</code>" in disabled.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"prompt": "none"}, "login_required"),
        ({"acr_values": "urn:uidp:level:7"}, "invalid_request"),
    ],
)
async def test_errors_after_the_redirect_uri_is_known_go_back_to_it(client, rt, params, error):
    rp = await Rp.basic(rt)
    values = landed(await client.get(authorize_url(rp, **request_params(**params))))
    assert values["error"] == error and values["state"] == "st-http" and values["iss"] == rt.settings.oidc_issuer
    assert "code" not in values


async def test_the_pending_request_belongs_to_the_browser_that_started_it(app, client, rt):
    rp = await Rp.basic(rt)
    await person(rt)
    start = await client.get(authorize_url(rp, **request_params()))
    return_to = query_of(start.headers["location"])["return_to"]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.99", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
        await log_in(stranger, return_to)
        refused = await stranger.get(return_to)
        assert refused.status_code == 400 and "location" not in refused.headers
        assert "已过期或已完成" in refused.text
    page = await to_consent_page(client, return_to)  # the stranger's try left it in place for its owner
    assert page.status_code == 200 and "授权确认" in page.text
    unknown = await client.get("/oidc/authorize", params={"pending": "x" * 43})
    assert unknown.status_code == 400


async def test_prompt_login_sends_a_logged_in_browser_to_log_in_again(client, rt, clock):
    rp = await Rp.basic(rt)
    await person(rt)
    await log_in(client, "/login/done")
    clock.advance(5)
    answer = await client.get(authorize_url(rp, **request_params(prompt="login")))
    assert answer.status_code == 302 and answer.headers["location"].startswith("/login?return_to=")


async def test_a_browser_sent_by_another_site_continues_on_our_own_origin(client, rt):
    """The session cookie is SameSite=Strict: a navigation from the system's site does not carry it, so the
    endpoint continues through a same-origin page where it does (meta refresh, no script)."""
    rp = await Rp.basic(rt)
    await person(rt)
    await log_in(client, "/login/done")
    session = client.cookies.get(SESSION_COOKIE)
    client.cookies.delete(SESSION_COOKIE)  # what the browser leaves out of a cross-site navigation
    bounce = await client.get(authorize_url(rp, **request_params()), headers=CROSS)
    assert bounce.status_code == 200 and "location" not in bounce.headers
    assert '<meta http-equiv="refresh" content="0;url=/oidc/authorize?pending=' in bounce.text
    assert "<script" not in bounce.text
    client.cookies.set(SESSION_COOKIE, session)  # the same-origin navigation carries it
    pending = query_of(bounce.text.split("url=", 1)[1].split('"', 1)[0].replace("&amp;", "&"))["pending"]
    page = await client.get("/oidc/authorize", params={"pending": pending})
    assert page.status_code == 200 and "授权确认" in page.text
    # with the cookie (a same-site navigation) there is no detour
    direct = await client.get(authorize_url(rp, **request_params()), headers=CROSS)
    assert direct.status_code == 200 and "授权确认" in direct.text


async def test_a_form_post_to_the_endpoint_continues_on_our_own_origin(client, rt):
    rp = await Rp.basic(rt)
    answer = await client.post("/oidc/authorize", data={"client_id": rp.row.client_id, **request_params()})
    assert answer.status_code == 200 and 'http-equiv="refresh"' in answer.text
    bad = await client.post("/oidc/authorize", data={"client_id": rp.row.client_id, **request_params(scope="x")})
    assert landed(bad)["error"] == "invalid_scope" and bad.status_code == 303


async def test_nothing_is_issued_without_consent_or_before_login(client, rt):
    rp = await Rp.basic(rt)
    await client.get(authorize_url(rp, **request_params()))
    assert await AuditEvent.filter(event_type=EventType.OIDC_CODE_ISSUED).count() == 0
    assert await OidcAuthorization.all().count() == 0


async def test_an_expired_request_uri_gets_the_page(client, rt, clock):
    rp = await Rp.fapi(rt)
    request_uri = await pushed_uri(client, rp)
    clock.advance(61)
    answer = await client.get(authorize_url(rp, request_uri))
    assert answer.status_code == 400 and "<code>invalid_request_uri</code>" in answer.text
    assert "location" not in answer.headers
