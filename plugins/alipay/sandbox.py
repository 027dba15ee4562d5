"""The dev profile's Alipay sandbox (``UIDP_ALIPAY_SANDBOX=on``): the whole login in a browser on one machine.

The plugin then talks to a :class:`SimulatedGateway` living in the same process (through httpx's ASGI transport,
so the requests are real HTTP requests, signed and checked), with keys made at start (and, with
``UIDP_ALIPAY_KEY_MODE=certificate``, a certificate chain: the certificate mode end to end). Its "Alipay login page",
``/plugins/alipay/sandbox/authorize``, lists the test users; picking one sends the browser to the callback with a
fresh ``auth_code``, as Alipay does (refusing sends it back without one). The method says ``sandbox = True``,
so the production profile refuses to start with it.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from plugins.alipay.callback import NO_STORE, STATE, refusal
from plugins.alipay.config import CALLBACK_PATH, RETURN_PATH, AlipayConfig, GatewayKeys
from plugins.alipay.gateway import AlipayGateway
from plugins.alipay.keys import cert_sn, root_cert_sn
from plugins.alipay.sandbox_gateway import GatewayApp, SimulatedGateway
from uidp.plugin_api import ErrorCode

SANDBOX_APP_ID = "9021000000000001"
AUTHORIZE_PATH = "/plugins/alipay/sandbox/authorize"
SANDBOX_GATEWAY = "http://alipay-sandbox.invalid/gateway.do"


def sandbox_setup(
    key_mode: str = "public_key", return_url: str = RETURN_PATH
) -> tuple[AlipayConfig, AlipayGateway, SimulatedGateway]:
    """A config, its gateway client and the simulated gateway it talks to, with keys made now; in certificate
    mode also a root, an intermediate and the two public-key certificates, as Alipay issues them. The callback
    sends the browser on to ``return_url`` (UIDP_ALIPAY_RETURN_URL), as it does outside the sandbox."""
    app_key = rsa.generate_private_key(65537, 2048)
    gateway_key = rsa.generate_private_key(65537, 2048)
    app = GatewayApp(SANDBOX_APP_ID, app_key.public_key())
    keys = GatewayKeys(public_key=gateway_key.public_key())
    app_sn: str | None = None
    root_sn: str | None = None
    simulated = SimulatedGateway(app, gateway_key)
    if key_mode == "certificate":
        root_key, inter_key = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
        root = _certificate("Sandbox Root R1", root_key, "Sandbox Root R1", root_key, ca=True)
        inter = _certificate("Sandbox Class 2 R1", inter_key, "Sandbox Root R1", root_key, ca=True)
        gateway_cert = _certificate("沙箱支付宝", gateway_key, "Sandbox Class 2 R1", inter_key, ca=False)
        app.app_cert = _certificate(SANDBOX_APP_ID, app_key, "Sandbox Class 2 R1", inter_key, ca=False)
        keys = GatewayKeys(certificates={cert_sn(gateway_cert): gateway_cert}, intermediates=(inter,), roots=(root,))
        app_sn, root_sn = cert_sn(app.app_cert), root_cert_sn([root])
        simulated = SimulatedGateway(app, gateway_key, signing_cert=gateway_cert, roots=(root,))
    config = AlipayConfig(
        app_id=SANDBOX_APP_ID,
        private_key=app_key,
        gateway_keys=keys,
        key_mode=key_mode,
        redirect_uri=CALLBACK_PATH,
        gateway_url=SANDBOX_GATEWAY,
        authorize_url=AUTHORIZE_PATH,
        return_url=return_url,
        sandbox=True,
        app_cert_sn=app_sn,
        alipay_root_cert_sn=root_sn,
    )
    transport = httpx.ASGITransport(app=Starlette(routes=[Route("/gateway.do", simulated.endpoint, methods=["POST"])]))
    return config, AlipayGateway(config, transport=transport), simulated


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, issuer: str, issuer_key: rsa.RSAPrivateKey, *, ca: bool
) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


class AuthorizePage:
    """The sandbox's stand-in for Alipay's authorize page: pick a test user, or refuse."""

    def __init__(self, config: AlipayConfig, gateway: SimulatedGateway) -> None:
        self.config, self.gateway = config, gateway

    async def handle(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._agree(request)
        query = request.query_params
        if query.get("app_id") != self.config.app_id or query.get("scope") != "auth_user":
            return refusal(ErrorCode.INVALID_FORMAT, "沙箱：授权链接的应用或授权范围不正确", "app_id")
        if query.get("redirect_uri") != self.config.redirect_uri or not STATE.fullmatch(query.get("state", "")):
            return refusal(ErrorCode.INVALID_FORMAT, "沙箱：回调地址与应用登记的不符", "redirect_uri")
        state = html.escape(query["state"])
        buttons = "".join(
            f'<button name="user" value="{index}">{html.escape(user.nick_name)}（{user.open_id[-4:]}）</button>'
            for index, user in enumerate(self.gateway.users)
        )
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支付宝沙箱登录</title>'
            "<h1>支付宝（沙箱）授权登录</h1><p>请选择一个测试用户同意授权，或拒绝。</p>"
            f'<form method="post"><input type="hidden" name="state" value="{state}">{buttons}'
            '<button name="user" value="refuse">拒绝授权</button></form></html>'
        )
        return HTMLResponse(
            body, headers={**NO_STORE, "content-security-policy": "default-src 'none'; form-action 'self'"}
        )

    async def _agree(self, request: Request) -> Response:
        form = await request.form()
        state, choice = str(form.get("state", "")), str(form.get("user", ""))
        if not STATE.fullmatch(state):
            return refusal(ErrorCode.LOGIN_STATE_INVALID, "沙箱：缺少登录状态", "state")
        query = {"app_id": self.config.app_id, "source": "alipay_wallet", "scope": "auth_user", "state": state}
        if choice.isdigit() and int(choice) < len(self.gateway.users):
            query["auth_code"] = self.gateway.authorize(self.gateway.users[int(choice)])
        return RedirectResponse(f"{self.config.redirect_uri}?{urlencode(query)}", status_code=303, headers=NO_STORE)
