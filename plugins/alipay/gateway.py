"""Calls to the Alipay gateway over HTTP: signed requests, verified answers, errors without the partner's text."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from plugins.alipay.config import AlipayConfig
from plugins.alipay.keys import chains_to_root, rsa_key_of
from plugins.alipay.protocol import (
    ERROR_MEMBER,
    SUCCESS,
    AnswerError,
    beijing_timestamp,
    rsa2_sign,
    rsa2_verify,
    sign_content,
    split_answer,
)

OAUTH_TOKEN = "alipay.system.oauth.token"
USER_INFO = "alipay.user.info.share"
# Sub-codes that mean "this user's authorisation is not good (any more)": the user starts again.
USER_SIDE = frozenset({"isv.code-invalid", "isv.invalid-code", "aop.invalid-auth-token", "aop.auth-token-time-out"})


class GatewayError(Exception):
    """The gateway could not be used: unreachable, refused us, or answered what cannot be trusted.

    ``reason`` is ours (``transport``, ``bad_signature``, ``unknown_cert_sn``, ``gateway:<sub_code>`` ...), for
    the audit log; the partner's ``msg`` and ``sub_msg`` are never kept.
    """

    def __init__(self, reason: str, *, user_side: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_side = user_side  # the user's auth_code or token was refused, not our call


@dataclass
class AlipayGateway:
    config: AlipayConfig
    transport: httpx.AsyncBaseTransport | None = None
    clock: Callable[[], float] = time.time

    def common_params(self, method: str) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": beijing_timestamp(self.clock()),
            "version": "1.0",
        }
        if self.config.key_mode == "certificate":
            params["app_cert_sn"] = self.config.app_cert_sn or ""
            params["alipay_root_cert_sn"] = self.config.alipay_root_cert_sn or ""
        return params

    def signed(self, method: str, extra: Mapping[str, str]) -> dict[str, str]:
        """The request's parameters with ``sign``: the common ones and the method's own, top level."""
        params = {**self.common_params(method), **extra}
        params["sign"] = rsa2_sign(self.config.private_key, sign_content(params))
        return params

    async def call(self, method: str, extra: Mapping[str, str]) -> dict[str, Any]:
        """POST the signed request; the verified member of a ``code`` 10000 answer, or GatewayError."""
        try:
            async with httpx.AsyncClient(transport=self.transport, timeout=self.config.timeout) as client:
                response = await client.post(self.config.gateway_url, data=self.signed(method, extra))
        except httpx.HTTPError:
            raise GatewayError("transport") from None
        if response.status_code != 200:
            raise GatewayError(f"http_{response.status_code}")
        try:
            answer = split_answer(method, response.content.decode("utf-8"))
        except (AnswerError, UnicodeDecodeError, ValueError):
            raise GatewayError("malformed_answer") from None
        self._verify(answer.text, answer.sign, answer.cert_sn)
        fields = answer.fields
        code = str(fields.get("code", SUCCESS if answer.member != ERROR_MEMBER else ""))
        if code != SUCCESS:
            sub_code = str(fields.get("sub_code") or code)[:64]
            raise GatewayError(f"gateway:{sub_code}", user_side=sub_code in USER_SIDE)
        return fields

    def _verify(self, text: str, sign: str | None, cert_sn: str | None) -> None:
        if not sign:
            raise GatewayError("unsigned_answer")
        keys = self.config.gateway_keys
        if self.config.key_mode == "public_key":
            key = keys.public_key
        else:
            cert = keys.certificates.get(cert_sn or "")
            if cert is None:
                raise GatewayError("unknown_cert_sn")
            if not chains_to_root(cert, keys.intermediates, keys.roots, datetime.fromtimestamp(self.clock(), UTC)):
                raise GatewayError("untrusted_cert")
            key = rsa_key_of(cert)
        if key is None or not rsa2_verify(key, text, sign):
            raise GatewayError("bad_signature")
