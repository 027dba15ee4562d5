"""Issue 12 item 7: the provider driven by a relying-party library that is not ours, requests-oauth2client 1.8
(with jwskate for its keys), through HTTP on a real port, the user in headless Chromium: discovery, a pushed
request with dpop_jkt, login and consent in the browser, the code (state and iss checked by the library), the
token with private_key_jwt (aud the issuer, as FAPI 2.0 asks) and DPoP (the library answers the server's nonce
itself), the ID token checked by the library, userinfo with DPoP, refresh, revocation and logout; for a person,
an entity and an agent acting for an entity (the ID token's act and delegation claims)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio
import pytest

from tests.browser import open_page, screenshot, served_on_a_port
from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.http.oidc.flow_support import PHONE, person
from tests.http.oidc.test_flow_browser import RpSite
from tests.oidc_support import REDIRECT_URI, make_oidc_client
from tests.serving import free_port
from tests.support import PASSWORD
from uidp.clock import ManualClock

roc = pytest.importorskip("requests_oauth2client", reason="a test dependency (pyproject.toml): run make venv")
import requests  # noqa: E402
from jwskate import Jwk  # noqa: E402

pytestmark = pytest.mark.anyio
RP_SITE = "https://rp.example.gov.cn"


@pytest.fixture
def clock() -> ManualClock:
    """Now: the library signs its assertions and proofs with the real time."""
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def issuer() -> str:
    """The provider's issuer is the URL it is served on, so the library's discovery, htu and aud all hold."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def settings(make_settings, issuer):
    return make_settings(oidc_issuer=issuer)


@pytest.fixture
async def provider(app, issuer) -> AsyncIterator[str]:
    async with served_on_a_port(app, int(issuer.rsplit(":", 1)[1])) as url:
        yield url


async def library_client(rt: Any, issuer: str, **registered: Any) -> Any:
    """A FAPI 2.0 client registered with its public key; the library holds the private one."""
    made = await make_oidc_client(rt, **registered)
    private = Jwk({**made.key.as_dict(private=True), "kid": made.key.thumbprint(), "alg": "ES256"})
    auth = roc.PrivateKeyJwt(made.row.client_id, private, aud=issuer)  # FAPI 2.0: the issuer, not the endpoint

    def discover() -> Any:
        return roc.OAuth2Client.from_discovery_endpoint(
            f"{issuer}/.well-known/openid-configuration",
            issuer=issuer,
            auth=auth,
            redirect_uri=REDIRECT_URI,
            dpop_bound_access_tokens=True,
            id_token_signed_response_alg=rt.settings.oidc_signing_alg,
            testing=True,  # http:// on loopback; everything else is checked as for https
        )

    return await anyio.to_thread.run_sync(discover)


async def sign_in(chromium: Any, start: str, log_in: Any, shot: str) -> tuple[Any, RpSite, str]:
    """From the connected system's page to ``start``, log in with ``log_in(page)``, consent (kept as ``shot``;
    no shot: consent is remembered and not asked): the URL the browser landed on."""
    page = await open_page(chromium, javascript=False)
    site = RpSite()
    await page.route(f"{RP_SITE}/**", site.handle)
    await site.go(page, start)
    await page.wait_for_url(lambda url: urlsplit(url).path == "/login")
    await log_in(page)
    if shot:  # consent asked (else remembered: the login goes straight back to the system)
        await page.wait_for_url(lambda url: urlsplit(url).path == "/oidc/authorize")
        assert await page.locator("h1").inner_text() == "授权确认"
        await screenshot(page, shot)
        await page.get_by_role("button", name="同意").click()
    await site.landing(1)
    assert not page.log.problems(), page.log.problems()
    return page, site, site.landed[-1]


async def code_flow(client: Any, chromium: Any, scope: str, log_in: Any, shot: str) -> tuple[Any, Any, Any]:
    """PAR, the browser, the callback, the token: (the token, its ID token's claims, the browser page)."""
    request = client.authorization_request(scope=scope)
    assert request.dpop_jkt  # the key the tokens will be bound to, pushed with the request
    pushed = await anyio.to_thread.run_sync(client.pushed_authorization_request, request)
    assert pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    page, _, landed = await sign_in(chromium, str(pushed.uri), log_in, shot)
    response = request.validate_callback(landed)  # state, and iss (RFC 9207)
    token = await anyio.to_thread.run_sync(lambda: client.authorization_code(response, validate=False))
    assert token.token_type.lower() == "dpop" and token.refresh_token
    # The library's own ID token check (signature by the discovered JWKS, iss, aud, azp, nonce, alg, exp, iat,
    # at_hash, auth_time), run on a plain BearerToken: 1.8.0 rebuilds a DPoPToken without its key after the
    # check (TypeError), so the check is asked of the same values in the class it can rebuild.
    plain = roc.BearerToken(access_token=token.access_token, id_token=token.id_token, expires_at=token.expires_at)
    checked = plain.validate_id_token(client, response)
    return token, checked.id_token.claims, page


async def refused_at_userinfo(client: Any, token: Any) -> None:
    """The library's userinfo call is refused with 401 invalid_token. (On any 401 with a DPoP challenge the
    library tries once more with the DPoP-Nonce it was given, then raises RepeatedDPoPNonce, or requests'
    HTTPError once its nonce is current, not an EndpointError; each carries the server's answer.)"""
    refusals = (roc.EndpointError, roc.dpop.InvalidUseDPoPNonceResponse, requests.HTTPError)
    with pytest.raises(refusals) as caught:
        await anyio.to_thread.run_sync(client.userinfo, token)
    answer = caught.value.response
    assert answer.status_code == 401 and 'error="invalid_token"' in answer.headers["WWW-Authenticate"], answer.text


def password_login(identifier: str, *, tab: str | None = None, credit_code: str | None = None) -> Any:
    """The login page's password form: the person tab, or ``tab`` (代理登录) with the entity's credit code."""

    async def log_in(page: Any) -> None:
        agent = tab == "代理登录"
        if tab:
            await page.get_by_role("link", name=tab).click()
        if credit_code:
            await page.get_by_label("统一社会信用代码").fill(credit_code)
        await page.get_by_label("代理人手机号 / 证件号码" if agent else "手机号 / 证件号码").fill(identifier)
        await page.get_by_label("代理人密码" if agent else "密码", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()

    return log_in


async def test_a_person_through_a_relying_party_library(provider, chromium, rt):
    await person(rt)
    client = await library_client(rt, provider)
    token, claims, page = await code_flow(client, chromium, "openid profile phone", password_login(PHONE),
                                          "oidc-library-consent")  # fmt: skip
    assert claims["iss"] == provider and claims["aud"] in (client.client_id, [client.client_id])
    assert claims["acr"] == "urn:uidp:level:1" and "pwd" in claims["amr"] and claims["sid"]

    info = await anyio.to_thread.run_sync(client.userinfo, token)
    assert info["sub"] == claims["sub"] and info["name"] == "陈心" and info["phone_number"] == "+8615012345651"

    refreshed = await anyio.to_thread.run_sync(client.refresh_token, token)
    assert refreshed.access_token != token.access_token
    with pytest.raises(roc.InvalidGrant):  # the old refresh token was used: its reuse revokes the family
        await anyio.to_thread.run_sync(client.refresh_token, token)
    await refused_at_userinfo(client, refreshed)  # ... so the refreshed token stopped working too

    again, again_claims, page = await code_flow(client, chromium, "openid profile", password_login(PHONE), "")
    assert again_claims["sub"] == claims["sub"]  # pairwise, but the same for the same client
    assert await anyio.to_thread.run_sync(client.revoke_access_token, again)
    await refused_at_userinfo(client, again)

    # RP-initiated logout with the ID token as the hint: the confirmation page, then back to the system
    hint = again.id_token.value if hasattr(again.id_token, "value") else str(again.id_token)
    query = urlencode({"id_token_hint": hint, "post_logout_redirect_uri": f"{RP_SITE}/logged-out", "state": "bye"})
    await page.goto(f"{provider}/oidc/logout?{query}")
    await screenshot(page, "oidc-library-logout")
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url(f"{RP_SITE}/logged-out?state=bye")  # the system's page (RpSite answers it)
    with pytest.raises(roc.InvalidGrant):  # the session ended: so did what rested on it
        await anyio.to_thread.run_sync(client.refresh_token, again)


async def test_an_entity_through_a_relying_party_library(provider, chromium, rt):
    world = await Delegation.build(rt)
    client = await library_client(rt, provider)

    async def entity_login(page: Any) -> None:
        await page.get_by_role("link", name="法人登录").click()
        await page.get_by_label("统一社会信用代码").fill(world.credit_code)
        await page.get_by_label("密码", exact=True).fill(world.entity_password)
        await page.get_by_role("button", name="登录").click()

    token, claims, _ = await code_flow(client, chromium, "openid entity", entity_login, "oidc-library-entity")
    info = await anyio.to_thread.run_sync(client.userinfo, token)
    assert info["sub"] == claims["sub"] and info["credit_code"] == world.credit_code
    assert info["entity_name"] and "act" not in claims


async def test_an_agent_for_an_entity_through_a_relying_party_library(provider, chromium, rt):
    world = await Delegation.build(rt)
    client = await library_client(rt, provider)
    login = password_login(AGENT_PHONE, tab="代理登录", credit_code=world.credit_code)
    token, claims, _ = await code_flow(client, chromium, "openid entity delegation", login, "oidc-library-agent")
    assert claims["act"]["sub"] and claims["act"]["sub"] != claims["sub"]  # RFC 8693: the agent acts
    delegation = claims.get("delegation") or (await anyio.to_thread.run_sync(client.userinfo, token))["delegation"]
    assert delegation["service_items"] and delegation["valid_until"]
