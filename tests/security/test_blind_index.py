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


def test_hmac_sm3_is_the_same_construction_over_sm3() -> None:
    from uidp.security.tokens import sm3

    digest = BlindIndex(KEY, "hmac-sm3").digest("phone", "13800000000")
    assert digest == hmac.new(KEY, b"phone\x0013800000000", sm3()).hexdigest()[:32]
    assert digest != BlindIndex(KEY).digest("phone", "13800000000")
    with pytest.raises(ValueError):
        BlindIndex(KEY, "md5")


def test_outside_a_rotation_a_lookup_is_one_digest_and_one_equality() -> None:
    lookup = BlindIndex(KEY).lookup("phone", "13800000000")
    assert lookup.digests == (BlindIndex(KEY).digest("phone", "13800000000"),)
    assert lookup.on("phone_index") == {"phone_index": lookup.current} and lookup.previous is None
    same = BlindIndex(KEY, previous=(KEY, "hmac-sha256"))  # the same scheme twice is no rotation
    assert not same.rotating and len(same.lookup("phone", "1").digests) == 1


def test_during_a_rotation_a_lookup_matches_both_and_writes_the_new() -> None:
    old, new = BlindIndex(KEY), BlindIndex(b"n" * 32)
    dual = BlindIndex(b"n" * 32, previous=(KEY, "hmac-sha256"))
    lookup = dual.lookup("phone", "13800000000")
    assert dual.rotating and dual.digest("phone", "13800000000") == new.digest("phone", "13800000000")
    assert lookup.digests == (new.digest("phone", "13800000000"), old.digest("phone", "13800000000"))
    assert lookup.on("phone_index") == {"phone_index__in": list(lookup.digests)}
    assert lookup.holds(old.digest("phone", "13800000000")) and lookup.holds(lookup.current)
    assert not lookup.holds(None) and not lookup.holds(old.digest("phone", "13800000001"))
    with pytest.raises(ValueError):
        BlindIndex(KEY, previous=(b"short", "hmac-sha256"))
