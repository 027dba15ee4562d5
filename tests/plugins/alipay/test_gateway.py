"""The simulated gateway is as strict as the real one, and the plugin's client says why it refused an answer.

Requests go over HTTP (httpx's ASGI transport) to the simulator; the answers are read as the plugin reads them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from plugins.alipay import AlipayConfig, AlipayGateway, GatewayError
from plugins.alipay.gateway import OAUTH_TOKEN, USER_INFO
from plugins.alipay.protocol import rsa2_sign, sign_content, split_answer
from plugins.alipay.sandbox_gateway import SANDBOX_USERS, SimulatedGateway
from tests.plugins.alipay.conftest import gateway_transport

pytestmark = pytest.mark.anyio
USER = SANDBOX_USERS[0]


@pytest.fixture
def gateway(alipay_config, simulated) -> AlipayGateway:
    return AlipayGateway(alipay_config, transport=gateway_transport(simulated))


async def post(simulated: SimulatedGateway, params: dict[str, str]) -> dict[str, object]:
    async with httpx.AsyncClient(transport=gateway_transport(simulated), base_url="https://gw.test") as client:
        response = await client.post("/gateway.do", data=params)
    return split_answer(params.get("method", ""), response.text).fields


def token_params(gateway: AlipayGateway, **changes: str | None) -> dict[str, str]:
    params = {**gateway.common_params(OAUTH_TOKEN), "grant_type": "authorization_code", "code": "c" * 32}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    params["sign"] = rsa2_sign(gateway.config.private_key, sign_content(params))
    return params


async def test_a_signed_request_is_answered(gateway, simulated):
    fields = await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": simulated.authorize(USER)})
    assert fields["open_id"] == USER.open_id and "user_id" not in fields  # a newer app gets only open_id
    profile = await gateway.call(USER_INFO, {"auth_token": str(fields["access_token"])})
    assert profile["nick_name"] == USER.nick_name


@pytest.mark.parametrize("name", ["app_id", "method", "charset", "sign_type", "timestamp", "version"])
async def test_missing_common_parameter_is_refused(gateway, simulated, name):
    fields = await post(simulated, token_params(gateway, **{name: None}))
    assert (fields["code"], fields["sub_code"]) == ("40001", f"isv.missing-{name.replace('_', '-')}")


async def test_unsigned_request_is_refused(gateway, simulated):
    params = token_params(gateway)
    del params["sign"]
    assert (await post(simulated, params))["sub_code"] == "isv.missing-sign"


@pytest.mark.parametrize(
    ("changes", "sub_code"),
    [
        ({"sign_type": "RSA"}, "isv.invalid-signature-type"),
        ({"app_id": "2021000000000000"}, "isv.invalid-app-id"),
        ({"method": "alipay.trade.pay"}, "isv.invalid-method"),
        ({"timestamp": "2026/12/02 12:00:00"}, "isv.invalid-timestamp"),
        ({"grant_type": None}, "isv.grant-type-invalid"),
        ({"code": None}, "isv.missing-code"),
    ],
)
async def test_wrong_parameters_are_refused(gateway, simulated, changes, sub_code):
    assert (await post(simulated, token_params(gateway, **changes)))["sub_code"] == sub_code


async def test_grant_type_and_code_in_biz_content_are_not_parameters(gateway, simulated):
    biz = '{"grant_type":"authorization_code","code":"' + simulated.authorize(USER) + '"}'
    params = token_params(gateway, grant_type=None, code=None, biz_content=biz)
    assert (await post(simulated, params))["sub_code"] == "isv.grant-type-invalid"


async def test_a_parameter_changed_after_signing_is_refused(gateway, simulated):
    params = token_params(gateway)
    params["code"] = "d" * 32
    assert (await post(simulated, params))["sub_code"] == "isv.invalid-signature"


async def test_a_skewed_or_utc_timestamp_is_refused(gateway, simulated):
    now = simulated.clock()
    utc = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S")  # the host's zone, not Beijing's
    assert (await post(simulated, token_params(gateway, timestamp=utc)))["sub_code"] == "isv.invalid-timestamp"
    gateway.clock = lambda: now - 20 * 60
    with pytest.raises(GatewayError, match=r"isv\.invalid-timestamp"):
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": simulated.authorize(USER)})


@pytest.mark.parametrize("mode", ["certificate"])
async def test_certificate_sns_are_checked(gateway, simulated, mode):
    assert (await post(simulated, token_params(gateway, app_cert_sn="0" * 32)))["sub_code"] == "isv.app-cert-sn-invalid"
    wrong_root = token_params(gateway, alipay_root_cert_sn="0" * 32)
    assert (await post(simulated, wrong_root))["sub_code"] == "isv.alipay-root-cert-sn-invalid"


async def test_auth_codes_expire_and_are_single_use(gateway, simulated):
    code = simulated.authorize(USER)
    await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": code})
    with pytest.raises(GatewayError) as reused:
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": code})
    assert (reused.value.reason, reused.value.user_side) == ("gateway:isv.code-invalid", True)
    late = simulated.authorize(USER)
    simulated.codes[late] = (USER, simulated.clock() - 1)
    with pytest.raises(GatewayError, match=r"isv\.code-invalid"):
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": late})


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [("bad_signature", "bad_signature"), ("reorder", "bad_signature"), ("unsigned", "unsigned_answer")],
)
async def test_untrusted_answers_say_why(gateway, simulated, tamper, reason):
    simulated.tamper = tamper
    with pytest.raises(GatewayError) as refused:
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": simulated.authorize(USER)})
    assert (refused.value.reason, refused.value.user_side) == (reason, False)


@pytest.mark.parametrize("mode", ["certificate"])
async def test_certificate_mode_answers_name_a_known_valid_certificate(gateway, simulated, keys, mode):
    simulated.tamper = "unknown_cert_sn"
    with pytest.raises(GatewayError, match="unknown_cert_sn"):
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": simulated.authorize(USER)})
    simulated.tamper = None
    later = keys.gateway_cert.not_valid_after_utc.timestamp() + 60
    simulated.clock = gateway.clock = lambda: later
    with pytest.raises(GatewayError, match="untrusted_cert"):
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": simulated.authorize(USER)})


@pytest.mark.parametrize("mode", ["public_key"])
async def test_public_key_mode_refuses_an_answer_signed_by_another_key(alipay_config, simulated, keys, mode):
    impostor = dataclasses.replace(simulated, signing_key=keys.app_key)
    gateway = AlipayGateway(alipay_config, transport=gateway_transport(impostor))
    with pytest.raises(GatewayError, match="bad_signature"):
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": impostor.authorize(USER)})


async def test_unreachable_gateway_is_a_transport_error(alipay_config):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    gateway = AlipayGateway(alipay_config, transport=httpx.MockTransport(refuse))
    with pytest.raises(GatewayError, match="transport"):
        await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": "c" * 32})
    broken = AlipayGateway(alipay_config, transport=httpx.MockTransport(lambda r: httpx.Response(502, text="bad")))
    with pytest.raises(GatewayError, match="http_502"):
        await broken.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": "c" * 32})


async def test_over_a_real_socket(alipay_env, settings, simulated):
    """The plugin's own HTTP client (no transport given) against the simulated gateway served by uvicorn."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = Starlette(routes=[Route("/gateway.do", simulated.endpoint, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/gateway.do"
        gateway = AlipayGateway(AlipayConfig.from_env(settings, {**alipay_env, "UIDP_ALIPAY_GATEWAY_URL": url}))
        token = await gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": simulated.authorize(USER)})
        profile = await gateway.call(USER_INFO, {"auth_token": str(token["access_token"])})
    finally:
        server.should_exit = True
        await task
        sock.close()
    assert profile["open_id"] == token["open_id"] == USER.open_id
