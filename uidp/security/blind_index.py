"""Keyed blind indexes: deterministic digests of PII for exact lookups and unique columns.

The database stores ``BlindIndex.digest("person.id_number", normalized_id)`` next to the encrypted value, so a
lookup by ID number or phone is an equality on the digest, and the unique constraint on that column enforces
uniqueness without the database ever seeing the value. Without the key, the digests cannot be brute-forced from
the (small) space of phone numbers or ID numbers.

While the index moves to a new key or algorithm (``uidp keys rotate-blind-index``) a stored digest may be under
either: :meth:`BlindIndex.lookup` gives both, and :meth:`Lookup.on` is the one way a query matches them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from uidp.security.tokens import DIGEST_ALGORITHMS, sm3

__all__ = ["BlindIndex", "Lookup"]

_MIN_KEY_SIZE: Final = 32
_HEX_CHARS: Final = 32  # 128 bits


@dataclass(frozen=True)
class Lookup:
    """The digests a stored blind index of one value may be: the current one first, then the previous one while
    a rotation runs."""

    digests: tuple[str, ...]

    @property
    def current(self) -> str:
        """What a write stores."""
        return self.digests[0]

    @property
    def previous(self) -> str | None:
        return self.digests[1] if len(self.digests) > 1 else None

    def on(self, column: str) -> dict[str, Any]:
        """Filter arguments matching ``column`` to this value: one equality outside a rotation, ``IN`` during it."""
        if len(self.digests) == 1:
            return {column: self.digests[0]}
        return {f"{column}__in": list(self.digests)}

    @staticmethod
    def any_on(column: str, lookups: Iterable[Lookup]) -> dict[str, Any]:
        """Filter arguments matching ``column`` to any of several values (a batch's existence check)."""
        return {f"{column}__in": [digest for lookup in lookups for digest in lookup.digests]}

    def holds(self, stored: str | None) -> bool:
        """True when ``stored`` (a digest read from a row) is this value's, under either key."""
        return stored is not None and any(hmac.compare_digest(stored, digest) for digest in self.digests)


class _Scheme:
    def __init__(self, key: bytes, algorithm: str) -> None:
        if not isinstance(key, bytes) or len(key) < _MIN_KEY_SIZE:
            raise ValueError(f"blind index key must be at least {_MIN_KEY_SIZE} bytes")
        if algorithm not in DIGEST_ALGORITHMS:
            raise ValueError(f"unknown blind index algorithm {algorithm!r}")
        self.key = key
        self.algorithm = algorithm
        self.hash: Any = sm3() if algorithm == "hmac-sm3" else hashlib.sha256

    def digest(self, message: bytes) -> str:
        return hmac.new(self.key, message, self.hash).hexdigest()[:_HEX_CHARS]


class BlindIndex:
    """HMAC-SHA256 (or HMAC-SM3) blind index, truncated to 128 bits (32 hex characters).

    ``kind`` separates domains (the same phone number gives different digests as ``person.phone`` and
    ``entity.phone``). Values must be normalized by the caller: the digest is over the exact string.
    ``previous`` is the (key, algorithm) being rotated away from: still matched, never written.
    """

    def __init__(
        self, key: bytes, algorithm: str = "hmac-sha256", *, previous: tuple[bytes, str] | None = None
    ) -> None:
        self._current = _Scheme(key, algorithm)
        self._previous = _Scheme(*previous) if previous is not None else None
        if self._previous is not None and (self._previous.key, self._previous.algorithm) == (key, algorithm):
            self._previous = None  # the same scheme twice is no rotation

    @property
    def rotating(self) -> bool:
        return self._previous is not None

    @property
    def algorithm(self) -> str:
        return self._current.algorithm

    def digest(self, kind: str, value: str) -> str:
        """Return the 32-hex-character digest of ``value`` in domain ``kind`` under the current key."""
        return self._current.digest(_message(kind, value))

    def lookup(self, kind: str, value: str) -> Lookup:
        """The digests a row holding ``value`` in domain ``kind`` may carry (one outside a rotation)."""
        message = _message(kind, value)
        if self._previous is None:
            return Lookup((self._current.digest(message),))
        return Lookup((self._current.digest(message), self._previous.digest(message)))


def _message(kind: str, value: str) -> bytes:
    if not kind or "\x00" in kind:
        raise ValueError("blind index kind must be non-empty and contain no NUL character")
    return (kind + "\x00" + value).encode("utf-8")
