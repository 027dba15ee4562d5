"""BlindIndex: deterministic, keyed, domain-separated, 128-bit digests."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from uidp.security.blind_index import BlindIndex

KEY = b"k" * 32


def test_deterministic_and_truncated() -> None:
    index = BlindIndex(KEY)
    digest = index.digest("person.phone", "13800000000")
    assert digest == index.digest("person.phone", "13800000000")
    assert len(digest) == 32 and int(digest, 16) >= 0
    expected = hmac.new(KEY, b"person.phone\x0013800000000", hashlib.sha256).hexdigest()[:32]
    assert digest == expected


def test_kind_separates_domains() -> None:
    index = BlindIndex(KEY)
    assert index.digest("person.phone", "13800000000") != index.digest("entity.phone", "13800000000")
    # the NUL separator keeps ("ab", "c") and ("a", "bc") apart
    assert index.digest("ab", "c") != index.digest("a", "bc")


def test_key_matters() -> None:
    assert BlindIndex(KEY).digest("k", "v") != BlindIndex(b"j" * 32).digest("k", "v")


def test_value_is_not_normalized() -> None:
    index = BlindIndex(KEY)
    assert index.digest("k", "11010119900307451X") != index.digest("k", "11010119900307451x")


@pytest.mark.parametrize("key", [b"", b"x" * 31])
def test_short_key_rejected(key: bytes) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        BlindIndex(key)


@pytest.mark.parametrize("kind", ["", "a\x00b"])
def test_bad_kind_rejected(kind: str) -> None:
    with pytest.raises(ValueError):
        BlindIndex(KEY).digest(kind, "v")
