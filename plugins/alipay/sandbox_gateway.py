"""A simulated Alipay gateway and authorize page: the tests' partner, and the dev profile's sandbox.

It checks requests as strictly as the real gateway, on its own (it shares no code with the client side):
``sign_type`` RSA2 only, every common parameter present, the ``timestamp`` in Beijing time and at most
``max_skew`` seconds off, the RSA2 signature over the sorted parameters, ``app_cert_sn`` and
``alipay_root_cert_sn`` in certificate mode, and ``grant_type`` / ``code`` top level. An ``auth_code`` lives
``code_seconds`` and is single use. Answers are signed with the gateway's own key over the member's exact text,
with ``alipay_cert_sn`` between the member and ``sign`` in certificate mode. ``tamper`` spoils the next
answers on purpose (``bad_signature``, ``reorder``, ``unknown_cert_sn``, ``unsigned``) for the tests.

Its state (codes, tokens) lives in the process: run the dev sandbox with one worker.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.requests import Request
from starlette.responses import Response

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMMON = ("app_id", "method", "charset", "sign_type", "sign", "timestamp", "version")
METHODS = ("alipay.system.oauth.token", "alipay.user.info.share")


@dataclass(frozen=True)
class SandboxUser:
    """A test Alipay user: the ids Alipay gives this app, and the profile it shares."""

    user_id: str
    open_id: str
    nick_name: str


SANDBOX_USERS = (
    SandboxUser("2088000000000001", "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5", "沙箱用户甲"),
    SandboxUser("2088000000000002", "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo6", "沙箱用户乙"),
    SandboxUser("2088000000000003", "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo7", "沙箱用户丙"),
)


@dataclass
class GatewayApp:
    """The app as the gateway knows it: how its requests are checked."""

    app_id: str
    public_key: rsa.RSAPublicKey  # the app's key (from its certificate in certificate mode)
    app_cert: x509.Certificate | None = None  # certificate mode
    id_type: str = "open_id"  # newer apps get only open_id; older ones user_id


@dataclass
class SimulatedGateway:
    app: GatewayApp
    signing_key: rsa.RSAPrivateKey  # the gateway's own key
    signing_cert: x509.Certificate | None = None  # certificate mode: Alipay's public-key certificate
    roots: tuple[x509.Certificate, ...] = ()  # certificate mode: the root file it expects the SN of
    users: tuple[SandboxUser, ...] = SANDBOX_USERS
    clock: Callable[[], float] = time.time
    max_skew: float = 900.0
    code_seconds: float = 300.0
    token_seconds: float = 1_296_000.0
    tamper: str | None = None
    codes: dict[str, tuple[SandboxUser, float]] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    tokens: dict[str, tuple[SandboxUser, float]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    refuse_next: str | None = None  # a sub_code the next oauth.token call answers with

    def authorize(self, user: SandboxUser) -> str:
        """The auth_code Alipay's page gives back after ``user`` agreed."""
        code = secrets.token_hex(16)
        self.codes[code] = (user, self.clock() + self.code_seconds)
        return code

    async def endpoint(self, request: Request) -> Response:
        """``POST /gateway.do``: the parameters in the query string and the form body, as the SDKs send them."""
        params: dict[str, str] = dict(request.query_params)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = await request.form()
            params.update({key: str(value) for key, value in form.items()})
        self.requests.append(params)
        method = params.get("method", "")
        member = method.replace(".", "_") + "_response" if method in METHODS else "error_response"
        refusal = self._check(params)
        if refusal is not None:
            return self._answer(member, _error(*refusal))
        if method == "alipay.system.oauth.token":
            return self._token(params, member)
        return self._user_info(params, member)

    def _check(self, params: dict[str, str]) -> tuple[str, str, str] | None:
        for name in COMMON:
            if not params.get(name):
                return "40001", f"isv.missing-{name.replace('_', '-')}", "缺少必选参数"
        if params["method"] not in METHODS:
            return "40002", "isv.invalid-method", "不存在的方法名"
        if params["app_id"] != self.app.app_id:
            return "40002", "isv.invalid-app-id", "无效的AppID参数"
        if params["sign_type"] != "RSA2":
            return "40002", "isv.invalid-signature-type", "无效的签名类型"
        if params["charset"].lower() != "utf-8" or params["version"] != "1.0":
            return "40002", "isv.invalid-charset", "字符集错误"
        try:
            sent = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        except ValueError:
            return "40002", "isv.invalid-timestamp", "非法的时间戳参数"
        if abs(sent.timestamp() - self.clock()) > self.max_skew:
            return "40002", "isv.invalid-timestamp", "非法的时间戳参数"
        if self.app.app_cert is not None:
            if params.get("app_cert_sn") != _sn(self.app.app_cert):
                return "40002", "isv.app-cert-sn-invalid", "应用公钥证书序列号不匹配"
            if params.get("alipay_root_cert_sn") != "_".join(_sn(c) for c in self.roots if _rsa_signed(c)):
                return "40002", "isv.alipay-root-cert-sn-invalid", "支付宝根证书序列号不匹配"
        text = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)
        try:
            signature = base64.b64decode(params["sign"], validate=True)
            self.app.public_key.verify(signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            return "40002", "isv.invalid-signature", "验签出错"
        return None

    def _token(self, params: dict[str, str], member: str) -> Response:
        if params.get("grant_type") not in ("authorization_code", "refresh_token"):
            return self._answer("error_response", _error("40002", "isv.grant-type-invalid", "grant_type参数不正确"))
        code = params.get("code", "")
        if not code:
            return self._answer("error_response", _error("40001", "isv.missing-code", "缺少必选参数code"))
        if self.refuse_next:
            sub_code, self.refuse_next = self.refuse_next, None
            return self._answer("error_response", _error("40004", sub_code, "业务处理失败"))
        issued = self.codes.get(code)
        if issued is None or code in self.used_codes or issued[1] < self.clock():
            self.used_codes.add(code)
            return self._answer("error_response", _error("40002", "isv.code-invalid", "授权码code无效"))
        self.used_codes.add(code)
        user = issued[0]
        token = "authusrB" + secrets.token_hex(16)
        self.tokens[token] = (user, self.clock() + self.token_seconds)
        answer = {"access_token": token, "auth_start": datetime.fromtimestamp(self.clock(), SHANGHAI).strftime(
            "%Y-%m-%d %H:%M:%S"), "expires_in": int(self.token_seconds), "re_expires_in": int(self.token_seconds),
            "refresh_token": "authusrR" + secrets.token_hex(16)}  # fmt: skip
        answer.update(self._ids(user))
        return self._answer(member, answer)

    def _user_info(self, params: dict[str, str], member: str) -> Response:
        held = self.tokens.get(params.get("auth_token", ""))
        if held is None:
            return self._answer(member, _error("20001", "aop.invalid-auth-token", "无效的访问令牌"))
        if held[1] < self.clock():
            return self._answer(member, _error("20001", "aop.auth-token-time-out", "访问令牌已过期"))
        user = held[0]
        return self._answer(member, {"code": "10000", "msg": "Success", **self._ids(user), "nick_name": user.nick_name})

    def _ids(self, user: SandboxUser) -> dict[str, str]:
        return {"open_id": user.open_id} if self.app.id_type == "open_id" else {"user_id": user.user_id}

    def _answer(self, member: str, fields: dict[str, Any]) -> Response:
        text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        key = self.signing_key if self.tamper != "bad_signature" else rsa.generate_private_key(65537, 2048)
        sign = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
        if self.tamper == "reorder":  # the same members in another order: the signed text is gone
            text = json.dumps(dict(reversed(list(fields.items()))), ensure_ascii=False, separators=(",", ":"))
        body = '{"' + member + '":' + text
        if self.signing_cert is not None:
            sn = _sn(self.signing_cert) if self.tamper != "unknown_cert_sn" else "0" * 32
            body += ',"alipay_cert_sn":"' + sn + '"'
        if self.tamper != "unsigned":
            body += ',"sign":"' + sign + '"'
        return Response(body + "}", media_type="application/json; charset=utf-8")


def _error(code: str, sub_code: str, sub_msg: str) -> dict[str, Any]:
    msg = {"20001": "Insufficient Token Permissions", "40001": "Missing Required Arguments"}.get(
        code, "Invalid Arguments"
    )
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _sn(cert: x509.Certificate) -> str:
    # The issuer as RFC 2253 prints it (most significant RDN last), then the decimal serial.
    issuer = ",".join(
        "+".join(f"{_short(attr.oid)}={attr.value!s}" for attr in rdn) for rdn in reversed(list(cert.issuer.rdns))
    )
    return hashlib.md5((issuer + str(cert.serial_number)).encode()).hexdigest()


def _short(oid: x509.ObjectIdentifier) -> str:
    names = {"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU"}
    return names.get(oid.dotted_string, oid.dotted_string)


def _rsa_signed(cert: x509.Certificate) -> bool:
    return cert.signature_algorithm_oid.dotted_string.startswith("1.2.840.113549.1.1.")
