"""The ``alipay`` login method: the authorize redirect, then the auth_code exchanged for the user's id.

``start`` builds the authorize URL (``app_id``, ``scope=auth_user``, ``redirect_uri`` and the core's ``state``,
already bound to the browser). ``complete`` takes the ``auth_code`` Alipay sent back, exchanges it at the gateway
(``alipay.system.oauth.token``, ``grant_type`` and ``code`` top level), reads ``alipay.user.info.share`` with the
token, and asserts the user's ``open_id`` (or ``user_id``). No trust: a new Alipay user is bound by a proof of
the account (the pipeline's BindingRequired).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from plugins.alipay.config import AlipayConfig
from plugins.alipay.gateway import OAUTH_TOKEN, USER_INFO, AlipayGateway, GatewayError
from uidp.plugin_api import (
    Assertion,
    DomainError,
    ErrorCode,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    LoginStart,
    RedirectStart,
    StartRequest,
    Trust,
)

METHOD_ID = "alipay"
AUTH_CODE = re.compile(r"[A-Za-z0-9_-]{8,128}")
SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,128}")
UNAVAILABLE = "支付宝服务暂时无法使用，请稍后再试或换用其他方式登录"


class AlipayLogin:
    """Alipay web login (P4): start -> Alipay's page -> callback with auth_code -> completeLogin."""

    id = METHOD_ID
    label = "支付宝登录"
    trust: frozenset[Trust] = frozenset()

    def __init__(self, config: AlipayConfig, gateway: AlipayGateway | None = None) -> None:
        self.config = config
        self.gateway = gateway or AlipayGateway(config)
        self.sandbox = config.sandbox

    def authorize_url(self, state: str) -> str:
        query = {"app_id": self.config.app_id, "scope": "auth_user", "redirect_uri": self.config.redirect_uri,
                 "state": state}  # fmt: skip
        return f"{self.config.authorize_url}?{urlencode(query)}"

    async def start(self, request: StartRequest) -> LoginStart:
        return RedirectStart(self.authorize_url(request.state))

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        code = request.params.get("auth_code", "")
        if not code:
            raise DomainError(ErrorCode.REQUIRED, "支付宝未返回授权码，请重新登录", "params")
        if not AUTH_CODE.fullmatch(code):
            raise DomainError(ErrorCode.INVALID_FORMAT, "支付宝授权码格式不正确，请重新登录", "params")
        try:
            token = await self.gateway.call(OAUTH_TOKEN, {"grant_type": "authorization_code", "code": code})
            subject = self._subject(token)
            access_token = str(token.get("access_token") or "")
            if not access_token:
                raise GatewayError("no_access_token")
            user = await self.gateway.call(USER_INFO, {"auth_token": access_token})
        except GatewayError as error:
            if error.user_side:
                raise LoginFailure(error.reason) from None
            raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, UNAVAILABLE, "method") from None
        if str(user.get(self.config.subject) or subject) != subject:  # the token and the profile disagree
            raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, UNAVAILABLE, "method")
        display = str(user.get("nick_name") or "")[:64]
        return Assertion(provider=self.id, subject=subject, display=display)

    def _subject(self, token: dict[str, object]) -> str:
        subject = str(token.get(self.config.subject) or "")
        if not SUBJECT.fullmatch(subject):
            raise GatewayError(f"no_{self.config.subject}")
        return subject
