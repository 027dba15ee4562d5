"""Random tokens, one-time codes and their server-side digests.

Stores and databases hold digests, never the values handed to clients: session tokens are kept as
:func:`token_digest`, one-time values (SMS codes, captcha answers) as :func:`digest_secret` bound to a purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

__all__ = ["DIGEST_ALGORITHMS", "digest_secret", "new_token", "numeric_code", "sm3", "token_digest"]

DIGEST_ALGORITHMS = ("hmac-sha256", "hmac-sm3")


class _GmSm3:
    """SM3 (GB/T 32905) from gmssl with the hashlib interface ``hmac`` needs, for an OpenSSL without SM3."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytearray(data)

    def update(self, data: bytes) -> None:
        self._data += data

    def copy(self) -> _GmSm3:
        return _GmSm3(bytes(self._data))

    def digest(self) -> bytes:
        from gmssl import func
        from gmssl import sm3 as gm

        return bytes.fromhex(gm.sm3_hash(func.bytes_to_list(bytes(self._data))))

    def hexdigest(self) -> str:
        return self.digest().hex()


def sm3() -> Callable[..., Any]:
    """The SM3 constructor: OpenSSL's when it has one (fast), else gmssl's (the same digests, slower)."""
    if "sm3" in hashlib.algorithms_available:
        return lambda data=b"": hashlib.new("sm3", data)
    return _GmSm3


def new_token(nbytes: int = 32) -> str:
    """Return a URL-safe random token carrying ``nbytes`` bytes of entropy."""
    if nbytes < 16:
        raise ValueError("tokens need at least 16 random bytes")
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Return the hex SHA-256 of ``token``: what the server stores instead of the token.

    A plain hash is enough because tokens are long random values (no dictionary to try).
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def numeric_code(digits: int = 6) -> str:
    """Return a uniformly random, zero-padded numeric code of ``digits`` digits (e.g. an SMS code)."""
    if not 1 <= digits <= 18:
        raise ValueError("numeric codes have 1 to 18 digits")
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def digest_secret(secret_key: bytes, purpose: str, value: str, algorithm: str = "hmac-sha256") -> str:
    """Return the hex HMAC-SHA256 (or HMAC-SM3) of a one-time ``value`` for ``purpose`` under ``secret_key``.

    Keyed, because one-time values (6-digit codes, short captcha answers) are trivial to brute-force from a
    plain hash. ``purpose`` (e.g. ``"sms:register:13800000000"``) binds the value to its use. Compare digests
    with :func:`hmac.compare_digest`.
    """
    if not secret_key:
        raise ValueError("digest_secret needs a non-empty key")
    if "\x00" in purpose:
        raise ValueError("purpose must not contain a NUL character")
    message = (purpose + "\x00" + value).encode("utf-8")
    if algorithm == "hmac-sm3":
        return hmac.new(secret_key, message, sm3()).hexdigest()
    if algorithm != "hmac-sha256":
        raise ValueError(f"unknown digest algorithm {algorithm!r}")
    return hmac.new(secret_key, message, hashlib.sha256).hexdigest()
