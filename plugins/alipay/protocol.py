"""The Alipay open-platform gateway protocol: common parameters, RSA2 request signatures, signed answers.

Facts checked against Alipay's official SDKs (alipay-sdk-java-all, alipay-sdk-python-all), which the simulated
gateway (``plugins.alipay.sandbox``) enforces too:

- ``timestamp`` is Beijing time, ``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai, whatever the host's zone.
- The string to sign is every non-empty parameter but ``sign``, sorted by name, ``k=v`` joined by ``&``, not
  URL-encoded, ``sign_type`` included; RSA2 is SHA256withRSA (PKCS#1 v1.5) over its UTF-8 bytes, base64.
- An answer is verified over the exact text of its ``<method>_response`` (or ``error_response``) member, as the
  gateway serialised it (never re-serialised JSON), and only with SHA-256, whatever the answer claims.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BEIJING = ZoneInfo("Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
ERROR_MEMBER = "error_response"
SUCCESS = "10000"


class AnswerError(Exception):
    """The gateway's answer cannot be trusted (malformed, unsigned, forged); carries no partner text."""


def beijing_timestamp(unix_seconds: float) -> str:
    """The gateway's ``timestamp``: Beijing wall time of ``unix_seconds``."""
    return datetime.fromtimestamp(unix_seconds, BEIJING).strftime(TIMESTAMP_FORMAT)


def sign_content(params: Mapping[str, str]) -> str:
    """Every non-empty parameter but ``sign``, sorted, ``k=v`` joined by ``&``, not URL-encoded."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "sign" and params[key] != "")


def rsa2_sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(key: rsa.RSAPublicKey, text: str, signature: str) -> bool:
    """SHA256withRSA only: a signature that claims another hash is simply not valid."""
    try:
        raw = base64.b64decode(signature.encode(), validate=True)
        key.verify(raw, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def response_member(method: str) -> str:
    """``alipay.system.oauth.token`` answers in ``alipay_system_oauth_token_response``."""
    return method.replace(".", "_") + "_response"


def top_level_spans(body: str) -> dict[str, tuple[int, int]]:
    """The raw text span of each top-level member's value; a duplicated member or trailing text is refused."""
    decoder = json.JSONDecoder()
    spans: dict[str, tuple[int, int]] = {}
    index = _skip(body, 0)
    if body[index : index + 1] != "{":
        raise AnswerError("the answer is not a JSON object")
    index = _skip(body, index + 1)
    if body[index : index + 1] == "}":
        return spans
    try:
        while True:
            if body[index : index + 1] != '"':
                raise AnswerError("a member name was expected")
            name, index = decoder.raw_decode(body, index)
            index = _skip(body, index)
            if body[index : index + 1] != ":":
                raise AnswerError("a colon was expected")
            start = _skip(body, index + 1)
            _, end = decoder.raw_decode(body, start)
            if name in spans:
                raise AnswerError("a member is duplicated")
            spans[name] = (start, end)
            index = _skip(body, end)
            if body[index : index + 1] == ",":
                index = _skip(body, index + 1)
                continue
            if body[index : index + 1] != "}" or _skip(body, index + 1) != len(body):
                raise AnswerError("the answer does not end where it should")
            return spans
    except json.JSONDecodeError:
        raise AnswerError("the answer is not valid JSON") from None


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


@dataclass(frozen=True)
class SignedAnswer:
    """An answer split as the gateway signed it: the member's name, its exact text, and what signs it."""

    member: str
    text: str
    fields: dict[str, Any]
    sign: str | None
    cert_sn: str | None


def split_answer(method: str, body: str) -> SignedAnswer:
    """Find the method's member (or ``error_response``), its exact text, ``sign`` and ``alipay_cert_sn``."""
    spans = top_level_spans(body)
    member = response_member(method)
    if member not in spans:
        member = ERROR_MEMBER
    if member not in spans:
        raise AnswerError("the answer has no response member")
    start, end = spans[member]
    text = body[start:end]
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise AnswerError("the response member is not an object")
    return SignedAnswer(member, text, fields, _string(body, spans, "sign"), _string(body, spans, "alipay_cert_sn"))


def _string(body: str, spans: Mapping[str, tuple[int, int]], name: str) -> str | None:
    if name not in spans:
        return None
    value = json.loads(body[slice(*spans[name])])
    if not isinstance(value, str):
        raise AnswerError(f"{name} is not a string")
    return value
