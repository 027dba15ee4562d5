"""The HTTP bank-card verifier: JSON over HTTPS to a card-verification provider, HMAC-signed both ways."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from plugins.bankcard_http.config import HttpProviderConfig
from plugins.bankcard_http.signing import request_signature, response_signature, same
from uidp.plugin_api import BankCardQuery, BankCardResult

MAX_SKEW_SECONDS = 300
STATUSES = ("MATCH", "MISMATCH", "PENDING")
_REFERENCE = re.compile(r"[A-Za-z0-9._~-]{1,128}")
_REASON = re.compile(r"[A-Z0-9_]{1,32}")


class ProviderError(Exception):
    """The provider could not be asked or its answer cannot be trusted; the core reports it as unavailable.

    Messages name the failure only, never the four elements or the provider's body.
    """


class BankCardHttpVerifier:
    """Follows :class:`uidp.ports.BankCardVerifier`. ``transport`` lets tests talk to a simulated provider."""

    id = "bankcard_http"
    sandbox = False

    def __init__(
        self,
        config: HttpProviderConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.config = config
        self.transport = transport
        self.clock = clock
        self.nonce = nonce
        self._base_path = urlsplit(config.base_url).path

    async def verify(self, query: BankCardQuery) -> BankCardResult:
        body = {
            "name": query.name,
            "certificateType": query.certificate_type,
            "certificateNumber": query.certificate_number,
            "cardNumber": query.card_number,
            "phone": query.phone,
        }
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return await self._call("POST", "/v1/verify", raw)

    async def poll(self, reference: str) -> BankCardResult:
        if not _REFERENCE.fullmatch(reference or ""):
            raise ProviderError("malformed check reference")
        return await self._call("GET", f"/v1/checks/{reference}", b"")

    # ---- one signed exchange -------------------------------------------------------------------

    async def _call(self, method: str, path: str, body: bytes) -> BankCardResult:
        timestamp, nonce = str(int(self.clock())), self.nonce()
        headers = {
            "X-Client-Id": self.config.client_id,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": request_signature(self.config.key, timestamp, nonce, method, self._base_path + path, body),
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            async with httpx.AsyncClient(
                transport=self.transport, timeout=self.config.timeout, follow_redirects=False
            ) as client:
                response = await client.request(
                    method, self.config.base_url + path, content=body or None, headers=headers
                )
        except httpx.HTTPError as error:
            raise ProviderError(f"provider unreachable ({type(error).__name__})") from None
        if response.status_code != 200:
            raise ProviderError(f"provider answered HTTP {response.status_code}")
        self._check_signature(response, nonce)
        return _result(response.content)

    def _check_signature(self, response: httpx.Response, nonce: str) -> None:
        timestamp = response.headers.get("X-Timestamp", "")
        signature = response.headers.get("X-Signature", "")
        if not timestamp.isdigit() or not signature:
            raise ProviderError("unsigned provider answer")
        if abs(self.clock() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise ProviderError("stale provider answer")
        if not same(response_signature(self.config.key, timestamp, nonce, response.content), signature):
            raise ProviderError("provider answer signature does not verify")


def _result(raw: bytes) -> BankCardResult:
    """The answer's JSON checked strictly: status known, a reason for MISMATCH, a reference for PENDING."""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        raise ProviderError("provider answer is not JSON") from None
    if not isinstance(data, dict) or data.get("status") not in STATUSES:
        raise ProviderError("provider answer has no known status")
    status, reason, reference = data["status"], data.get("reason"), data.get("reference")
    if status == "MISMATCH" and not (isinstance(reason, str) and _REASON.fullmatch(reason)):
        raise ProviderError("provider mismatch without a reason")
    if status == "PENDING" and not (isinstance(reference, str) and _REFERENCE.fullmatch(reference)):
        raise ProviderError("provider pending answer without a reference")
    return BankCardResult(
        status=status,
        reason=reason if status == "MISMATCH" else None,
        reference=reference if status == "PENDING" else None,
    )
