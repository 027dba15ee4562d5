"""Keyed blind indexes: deterministic digests of PII for exact lookups and unique columns.

The database stores ``BlindIndex.digest("person.id_number", normalized_id)`` next to the encrypted value, so a
lookup by ID number or phone is an equality on the digest, and the unique constraint on that column enforces
uniqueness without the database ever seeing the value. Without the key, the digests cannot be brute-forced from
the (small) space of phone numbers or ID numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

__all__ = ["BlindIndex"]

_MIN_KEY_SIZE: Final = 32
_HEX_CHARS: Final = 32  # 128 bits


class BlindIndex:
    """HMAC-SHA256 blind index, truncated to 128 bits (32 hex characters).

    ``kind`` separates domains (the same phone number gives different digests as ``person.phone`` and
    ``entity.phone``). Values must be normalized by the caller: the digest is over the exact string.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < _MIN_KEY_SIZE:
            raise ValueError(f"blind index key must be at least {_MIN_KEY_SIZE} bytes")
        self._key = key

    def digest(self, kind: str, value: str) -> str:
        """Return the 32-hex-character digest of ``value`` in domain ``kind``."""
        if not kind or "\x00" in kind:
            raise ValueError("blind index kind must be non-empty and contain no NUL character")
        message = (kind + "\x00" + value).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:_HEX_CHARS]
