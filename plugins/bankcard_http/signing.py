"""HMAC-SHA256 signatures of the card-verification protocol (docs/plugins.md, "HTTP bank-card verifier").

Request:  base64(HMAC-SHA256(key, timestamp "\\n" nonce "\\n" METHOD "\\n" path "\\n" raw body))
Response: base64(HMAC-SHA256(key, timestamp "\\n" request nonce "\\n" raw response text))

The response signature names our request's nonce, so a recorded answer cannot be replayed to another request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def request_signature(key: bytes, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    message = b"\n".join([timestamp.encode(), nonce.encode(), method.upper().encode(), path.encode(), body])
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def response_signature(key: bytes, timestamp: str, request_nonce: str, body: bytes) -> str:
    message = b"\n".join([timestamp.encode(), request_nonce.encode(), body])
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(expected.encode(), given.encode())
