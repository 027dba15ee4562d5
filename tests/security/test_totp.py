"""TOTP (RFC 6238) against the RFC's own test vectors, and the replay and window rules."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from uidp.security.totp import b32, hotp, new_secret, otpauth_uri, step_of, totp, verify

SHA1_SEED = b"12345678901234567890"
SHA256_SEED = b"12345678901234567890123456789012"
SHA512_SEED = b"1234567890123456789012345678901234567890123456789012345678901234"

# RFC 6238 Appendix B: (time, SHA1, SHA256, SHA512), 8 digits
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
# RFC 4226 Appendix D: HOTP values for counters 0..9, 6 digits
RFC4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_vectors(at, sha1, sha256, sha512):
    assert totp(SHA1_SEED, at, digits=8) == sha1
    assert totp(SHA256_SEED, at, digits=8, algorithm="SHA256") == sha256
    assert totp(SHA512_SEED, at, digits=8, algorithm="SHA512") == sha512


def test_rfc4226_vectors():
    assert [hotp(SHA1_SEED, counter) for counter in range(10)] == RFC4226


def test_six_digit_default_and_datetime_input():
    moment = datetime.fromtimestamp(1111111109, UTC)
    assert totp(SHA1_SEED, moment) == "081804"
    assert step_of(moment) == 1111111109 // 30


def test_verify_accepts_one_step_of_drift_and_no_more():
    now = 1_700_000_015.0
    step = step_of(now)
    assert verify(SHA1_SEED, totp(SHA1_SEED, now), now) == step
    assert verify(SHA1_SEED, totp(SHA1_SEED, now - 30), now) == step - 1
    assert verify(SHA1_SEED, totp(SHA1_SEED, now + 30), now) == step + 1
    assert verify(SHA1_SEED, totp(SHA1_SEED, now - 60), now) is None
    assert verify(SHA1_SEED, totp(SHA1_SEED, now + 60), now) is None


def test_verify_refuses_used_steps():
    now = 1_700_000_015.0
    step = step_of(now)
    code = totp(SHA1_SEED, now)
    assert verify(SHA1_SEED, code, now, after_step=step) is None
    assert verify(SHA1_SEED, code, now, after_step=step - 1) == step
    earlier = totp(SHA1_SEED, now - 30)
    assert verify(SHA1_SEED, earlier, now, after_step=step - 1) is None


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5", None])
def test_verify_refuses_malformed_codes(bad):
    assert verify(SHA1_SEED, bad, 59) is None


def test_otpauth_uri():
    secret = new_secret()
    assert len(secret) == 20
    uri = otpauth_uri(secret, "alice", "uidp 统一身份认证")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    query = parse_qs(parsed.query)
    assert query["secret"] == [b32(secret)]
    assert query["algorithm"] == ["SHA1"] and query["digits"] == ["6"] and query["period"] == ["30"]
    assert "=" not in b32(secret)
