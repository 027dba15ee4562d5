"""Alipay login through HTTP, in both key modes, against the simulated gateway: startLogin -> Alipay's page ->
callback -> completeLogin -> BindingRequired -> completeBinding -> straight in; and every refusal of the issue's
bad-input list, each answering a typed error and storing nothing."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from plugins.alipay.sandbox_gateway import SANDBOX_USERS, SimulatedGateway
from tests.partner_login import params
from tests.plugins.alipay.material import APP_ID
from tests.support import PASSWORD, Api
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.session import Session

pytestmark = pytest.mark.anyio

USER = SANDBOX_USERS[0]
PHONE = "15012340058"

START = """
mutation($i: StartLoginInput!) { startLogin(input: $i) {
  __typename ... on LoginRedirect { url state expiresAt } ... on Error { code message field }
} }"""

COMPLETE = """
mutation($i: CompleteLoginInput!) { completeLogin(input: $i) {
  __typename
  ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } } }
  ... on BindingRequired { ticket provider providerLabel accountKind }
  ... on LoginFailed { captchaRequired }
  ... on Error { code message field }
} }"""

BIND = """
mutation($i: CompleteBindingInput!) { completeBinding(input: $i) {
  __typename ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } } }
  ... on LoginFailed { captchaRequired } ... on Error { code message field }
} }"""


async def call(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": {"i": variables}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def start(client: httpx.AsyncClient) -> dict[str, Any]:
    started = await call(client, START, {"method": "alipay", "params": []})
    assert started["__typename"] == "LoginRedirect", started
    return started


async def complete(client: httpx.AsyncClient, state: str | None, **values: str) -> dict[str, Any]:
    return await call(client, COMPLETE, {"method": "alipay", "state": state, "params": params(values)})


async def via_callback(client: httpx.AsyncClient, state: str, code: str) -> dict[str, str]:
    """Alipay's redirect to our callback; the fragment of where it sends the browser on."""
    query = {"app_id": APP_ID, "source": "alipay_wallet", "scope": "auth_user", "auth_code": code, "state": state}
    response = await client.get("/plugins/alipay/callback", params=query)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/plugins/alipay/return" and not location.query
    return {k: v[0] for k, v in parse_qs(location.fragment).items()}


async def login(client: httpx.AsyncClient, simulated: SimulatedGateway, user=USER) -> dict[str, Any]:
    started = await start(client)
    back = await via_callback(client, started["state"], simulated.authorize(user))
    assert back["state"] == started["state"] and back["method"] == "alipay"
    return await complete(client, back["state"], auth_code=back["auth_code"])


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered", result
    return result["account"]


async def nothing_stored() -> None:
    assert not await ExternalBinding.exists()
    assert not await Session.exists()


async def test_unbound_user_binds_by_password_then_logs_straight_in(client, person, simulated, alipay_config, mode):
    started = await start(client)
    url = urlsplit(started["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm"
    query = parse_qs(url.query)
    assert query == {"app_id": [APP_ID], "scope": ["auth_user"], "state": [started["state"]],
                     "redirect_uri": ["https://portal.example/plugins/alipay/callback"]}  # fmt: skip
    back = await via_callback(client, started["state"], simulated.authorize(USER))
    needed = await complete(client, back["state"], auth_code=back["auth_code"])
    assert needed["__typename"] == "BindingRequired", needed
    assert (needed["provider"], needed["providerLabel"], needed["accountKind"]) == ("alipay", "支付宝登录", "person")
    await nothing_stored()

    bound = await call(client, BIND, {"ticket": needed["ticket"], "identifier": PHONE, "password": PASSWORD})
    assert bound["__typename"] == "LoginSuccess", bound
    assert bound["viewer"]["id"] == person["id"]
    row = await ExternalBinding.get()
    assert (row.provider, str(row.subject_id)) == ("alipay", person["id"])
    assert USER.open_id not in row.subject_index

    again = await login(client, simulated)
    assert again["__typename"] == "LoginSuccess", again
    assert again["viewer"]["id"] == person["id"]
    # What the gateway was asked: every call signed RSA2, Beijing time, grant_type and code top level.
    token_call = next(r for r in simulated.requests if r["method"] == "alipay.system.oauth.token")
    assert token_call["grant_type"] == "authorization_code" and "biz_content" not in token_call
    assert token_call["sign_type"] == "RSA2" and token_call["app_id"] == APP_ID
    assert ("app_cert_sn" in token_call) is (mode == "certificate")
    assert any(r["method"] == "alipay.user.info.share" and r["auth_token"] for r in simulated.requests)


@pytest.mark.parametrize("id_type", ["user_id"])
async def test_older_apps_key_accounts_on_user_id(client, person, simulated):
    needed = await login(client, simulated)
    assert needed["__typename"] == "BindingRequired", needed
    await call(client, BIND, {"ticket": needed["ticket"], "identifier": PHONE, "password": PASSWORD})
    again = await login(client, simulated)
    assert again["__typename"] == "LoginSuccess", again
    token_answers = [r for r in simulated.requests if r["method"] == "alipay.system.oauth.token"]
    assert len(token_answers) == 2


@pytest.mark.parametrize(("id_type", "subject"), [("open_id", "user_id")])
async def test_a_newer_app_set_to_user_id_gets_no_subject(client, person, simulated):
    answer = await login(client, simulated)  # the gateway gives only open_id: nothing to key the account on
    assert answer["code"] == "VERIFIER_UNAVAILABLE", answer
    await nothing_stored()


async def test_another_user_is_not_the_bound_one(client, person, simulated):
    needed = await login(client, simulated)
    await call(client, BIND, {"ticket": needed["ticket"], "identifier": PHONE, "password": PASSWORD})
    other = await login(client, simulated, SANDBOX_USERS[1])
    assert other["__typename"] == "BindingRequired", other


async def test_unbound_user_cannot_log_in_without_proving_an_account(client, person, simulated, api):
    """An Alipay user bound to nobody gets no session: not from completeLogin, not from a wrong password."""
    needed = await login(client, simulated)
    assert needed["__typename"] == "BindingRequired"
    wrong = await call(client, BIND, {"ticket": needed["ticket"], "identifier": PHONE, "password": "Wrong#2026pw"})
    assert wrong["__typename"] == "LoginFailed", wrong
    await nothing_stored()
    replay = await call(client, BIND, {"ticket": needed["ticket"], "identifier": PHONE, "password": PASSWORD})
    assert replay["code"] == "BINDING_TICKET_INVALID", replay
    await nothing_stored()


@pytest.mark.parametrize("tamper", ["bad_signature", "reorder", "unsigned"])
async def test_untrusted_answer_is_refused(client, person, simulated, tamper):
    simulated.tamper = tamper
    answer = await login(client, simulated)
    assert (answer["__typename"], answer["code"], answer["field"]) == ("FieldError", "VERIFIER_UNAVAILABLE", "method")
    assert "支付宝" in answer["message"]
    await nothing_stored()
    failed = await AuditEvent.filter(event_type="login.failed").first()
    assert failed is not None and failed.details["reason"] == "VERIFIER_UNAVAILABLE"


@pytest.mark.parametrize("mode", ["certificate"])
async def test_unknown_alipay_cert_sn_is_refused(client, person, simulated, mode):
    simulated.tamper = "unknown_cert_sn"
    answer = await login(client, simulated)
    assert answer["code"] == "VERIFIER_UNAVAILABLE", answer
    await nothing_stored()


@pytest.mark.parametrize("mode", ["certificate"])
async def test_expired_gateway_certificate_is_refused(client, person, simulated, alipay, keys, mode):
    later = keys.gateway_cert.not_valid_after_utc.timestamp() + 3600
    simulated.clock = alipay.method.gateway.clock = lambda: later  # both sides agree on the time; the cert is old
    answer = await login(client, simulated)
    assert answer["code"] == "VERIFIER_UNAVAILABLE", answer
    await nothing_stored()


async def test_gateway_error_code_is_typed_and_says_nothing_of_the_partner(client, person, simulated):
    simulated.refuse_next = "isv.insufficient-isv-permissions"
    answer = await login(client, simulated)
    assert answer["code"] == "VERIFIER_UNAVAILABLE", answer
    assert "业务处理失败" not in answer["message"] and "isv" not in answer["message"]
    await nothing_stored()


async def test_replayed_auth_code_is_refused(client, person, simulated):
    started = await start(client)
    code = simulated.authorize(USER)
    first = await complete(client, started["state"], auth_code=code)
    assert first["__typename"] == "BindingRequired"
    again = await start(client)
    replay = await complete(client, again["state"], auth_code=code)
    assert replay["__typename"] == "LoginFailed", replay
    await nothing_stored()


async def test_expired_auth_code_is_refused(client, person, simulated):
    started = await start(client)
    code = simulated.authorize(USER)
    simulated.codes[code] = (USER, simulated.clock() - 1)
    answer = await complete(client, started["state"], auth_code=code)
    assert answer["__typename"] == "LoginFailed", answer
    await nothing_stored()


async def test_replayed_or_foreign_state_is_refused(client, app, person, simulated):
    started = await start(client)
    code = simulated.authorize(USER)
    assert (await complete(client, started["state"], auth_code=code))["__typename"] == "BindingRequired"
    replay = await complete(client, started["state"], auth_code=simulated.authorize(USER))
    assert (replay["code"], replay["field"]) == ("LOGIN_STATE_INVALID", "state")
    # A state started in one browser, completed from another (the attacker's code in the victim's session).
    other = await start(client)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker:
        foreign = await complete(attacker, other["state"], auth_code=simulated.authorize(USER))
    assert foreign["code"] == "LOGIN_STATE_INVALID", foreign
    mismatched = await complete(client, "x" * 43, auth_code=simulated.authorize(USER))
    assert mismatched["code"] == "LOGIN_STATE_INVALID", mismatched
    await nothing_stored()


@pytest.mark.parametrize(("code", "expected"), [("", "REQUIRED"), ("not a code!", "INVALID_FORMAT")])
async def test_completion_without_a_usable_auth_code(client, simulated, code, expected):
    started = await start(client)
    answer = await complete(client, started["state"], auth_code=code)
    assert (answer["code"], answer["field"]) == (expected, "params"), answer
    assert not any(r.get("method") == "alipay.system.oauth.token" for r in simulated.requests)
    await nothing_stored()


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"state": "s" * 43}, "REQUIRED", "auth_code"),
        ({"state": "s" * 43, "auth_code": "<script>"}, "INVALID_FORMAT", "auth_code"),
        ({"auth_code": "a" * 32}, "LOGIN_STATE_INVALID", "state"),
        ({"state": "s" * 43, "auth_code": "a" * 32, "app_id": "2021999999999999"}, "INVALID_FORMAT", "app_id"),
    ],
)
async def test_callback_refuses_bad_redirects(client, simulated, query, code, field):
    response = await client.get("/plugins/alipay/callback", params=query)
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.text and f'data-field="{field}"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert simulated.requests == []
    await nothing_stored()


async def test_one_state_completes_once_under_concurrency(client, person, simulated):
    started = await start(client)
    codes = [simulated.authorize(USER) for _ in range(4)]
    answers = await asyncio.gather(*(complete(client, started["state"], auth_code=c) for c in codes))
    kinds = sorted(a["__typename"] for a in answers)
    assert kinds.count("BindingRequired") == 1, answers
    assert all(a.get("code") == "LOGIN_STATE_INVALID" for a in answers if a["__typename"] != "BindingRequired")
    token_calls = [r for r in simulated.requests if r["method"] == "alipay.system.oauth.token"]
    assert len(token_calls) == 1


async def test_an_alipay_user_binds_by_sms_and_sees_the_binding_masked(client, person, simulated, api, rt):
    from tests.graph.test_binding_by_sms import redeem, send
    from tests.support import sandbox_code

    needed = await login(client, simulated)
    assert (await send(client, api, needed["ticket"]))["__typename"] == "SmsCodeSent"
    bound = await redeem(client, needed["ticket"], sandbox_code(rt, PHONE))
    assert bound["__typename"] == "LoginSuccess", bound
    query = "{ me { ... on PersonAccount { bindings { provider maskedDisplay } } } }"
    response = await client.post("/graphql", json={"query": query},
                                 headers={"authorization": f"Bearer {bound['token']}"})  # fmt: skip
    bindings = response.json()["data"]["me"]["bindings"]
    assert [b["provider"] for b in bindings] == ["alipay"]
    assert bindings[0]["maskedDisplay"] not in ("", USER.nick_name) and bindings[0]["maskedDisplay"][0] == "沙"
    events = await AuditEvent.all()
    assert not any(USER.open_id in str(e.details) or USER.nick_name in str(e.details) for e in events)


async def test_the_authorize_url_as_a_qr_code(client):
    import qrcode
    import qrcode.image.svg

    started = await start(client)
    response = await client.get("/plugins/alipay/qr.svg", params={"state": started["state"]})
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    expected = qrcode.make(started["url"], image_factory=qrcode.image.svg.SvgPathImage).to_string()
    assert response.content == expected  # the same URL startLogin gave, nothing else
    refused = await client.get("/plugins/alipay/qr.svg", params={"state": "<x>"})
    assert refused.status_code == 400 and 'data-code="LOGIN_STATE_INVALID"' in refused.text
