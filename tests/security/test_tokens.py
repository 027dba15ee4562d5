"""Tokens, numeric codes and digests."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from uidp.security.tokens import digest_secret, new_token, numeric_code, token_digest


def test_new_token_is_urlsafe_and_unique() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) == 43
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(new_token(48)) == 64
    with pytest.raises(ValueError):
        new_token(8)


def test_token_digest() -> None:
    assert token_digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(token_digest(new_token())) == 64


def test_numeric_code() -> None:
    codes = [numeric_code() for _ in range(2000)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(codes)) > 1900
    assert any(c.startswith("0") for c in codes)  # zero padded (P(miss) ~ 1e-92)
    assert len(numeric_code(4)) == 4
    for bad in (0, 19):
        with pytest.raises(ValueError):
            numeric_code(bad)


def test_digest_secret() -> None:
    key = b"s" * 32
    digest = digest_secret(key, "sms:register:13800000000", "123456")
    assert digest == hmac.new(key, b"sms:register:13800000000\x00123456", hashlib.sha256).hexdigest()
    assert digest != digest_secret(key, "sms:login:13800000000", "123456")
    assert digest != digest_secret(b"t" * 32, "sms:register:13800000000", "123456")
    assert "123456" not in digest
    with pytest.raises(ValueError):
        digest_secret(b"", "p", "v")
    with pytest.raises(ValueError):
        digest_secret(key, "p\x00", "v")
