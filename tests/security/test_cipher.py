"""PiiCipher: round trips, column and row binding, tamper detection, rotation, SM4, column-only v1 tokens."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from uidp.security.cipher import CipherError, PiiCipher

AES_KEY = bytes(range(32))
SM4_KEY = bytes(range(16))


@pytest.mark.parametrize(("algorithm", "key", "tag"), [("aes-256-gcm", AES_KEY, "a"), ("sm4-gcm", SM4_KEY, "s")])
def test_round_trip_and_token_shape(algorithm: str, key: bytes, tag: str) -> None:
    cipher = PiiCipher({"k1": key}, "k1", algorithm)
    token = cipher.encrypt("110101199003074514 张三", context="person.id_number", row="r1")
    assert token.startswith(f"v2.{tag}.k1.")
    assert token.isascii() and "=" not in token
    assert "110101" not in token
    assert cipher.decrypt(token, context="person.id_number", row="r1") == "110101199003074514 张三"


def test_random_nonce_gives_different_tokens() -> None:
    cipher = PiiCipher({"k1": AES_KEY}, "k1")
    assert cipher.encrypt("13800000000", context="person.phone", row="r1") != cipher.encrypt(
        "13800000000", context="person.phone", row="r1"
    )


def test_empty_plaintext() -> None:
    cipher = PiiCipher({"k1": AES_KEY}, "k1", "aes-256-gcm")
    assert cipher.decrypt(cipher.encrypt("", context="c", row="r1"), context="c", row="r1") == ""


@pytest.mark.parametrize(("algorithm", "key"), [("aes-256-gcm", AES_KEY), ("sm4-gcm", SM4_KEY)])
def test_wrong_context_fails(algorithm: str, key: bytes) -> None:
    cipher = PiiCipher({"k1": key}, "k1", algorithm)
    token = cipher.encrypt("13800000000", context="person.phone", row="r1")
    with pytest.raises(CipherError):
        cipher.decrypt(token, context="entity.phone", row="r1")


@pytest.mark.parametrize(("algorithm", "key"), [("aes-256-gcm", AES_KEY), ("sm4-gcm", SM4_KEY)])
def test_wrong_row_fails(algorithm: str, key: bytes) -> None:
    cipher = PiiCipher({"k1": key}, "k1", algorithm)
    token = cipher.encrypt("13800000000", context="person.phone", row="person-a")
    with pytest.raises(CipherError, match="another column or row"):
        cipher.decrypt(token, context="person.phone", row="person-b")
    assert cipher.decrypt(token, context="person.phone", row="person-a") == "13800000000"


def column_only_token(plaintext: str, context: str) -> str:
    """A v1 token as the cipher wrote them before rows were bound: AES-GCM over header NUL context."""
    nonce = bytes(12)
    aad = b"v1.a.k1\x00" + context.encode()
    body = base64.urlsafe_b64encode(nonce + AESGCM(AES_KEY).encrypt(nonce, plaintext.encode(), aad))
    return "v1.a.k1." + body.rstrip(b"=").decode()


def test_column_only_v1_tokens_open_only_for_re_sealing() -> None:
    cipher = PiiCipher({"k1": AES_KEY}, "k1")
    old = column_only_token("13800000000", "person.phone")
    with pytest.raises(CipherError, match="format v1"):
        cipher.decrypt(old, context="person.phone", row="any")
    assert cipher.decrypt_column_only(old, context="person.phone") == "13800000000"
    assert cipher.needs_rotation(old)
    with pytest.raises(CipherError):
        cipher.decrypt_column_only(old, context="entity.contact_phone")
    fresh = cipher.encrypt("13800000000", context="person.phone", row="r1")
    assert not cipher.needs_rotation(fresh)
    with pytest.raises(CipherError, match="format v2"):
        cipher.decrypt_column_only(fresh, context="person.phone")


@pytest.mark.parametrize(("algorithm", "key"), [("aes-256-gcm", AES_KEY), ("sm4-gcm", SM4_KEY)])
def test_tampered_body_fails(algorithm: str, key: bytes) -> None:
    cipher = PiiCipher({"k1": key}, "k1", algorithm)
    token = cipher.encrypt("13800000000", context="c", row="r1")
    head, body = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for index in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        mutated = bytearray(raw)
        mutated[index] ^= 1
        forged = head + "." + base64.urlsafe_b64encode(bytes(mutated)).rstrip(b"=").decode()
        with pytest.raises(CipherError):
            cipher.decrypt(forged, context="c", row="r1")


def test_relabelled_key_id_fails() -> None:
    cipher = PiiCipher({"k1": AES_KEY, "k2": AES_KEY}, "k1")
    token = cipher.encrypt("x", context="c", row="r1")
    with pytest.raises(CipherError):
        cipher.decrypt(token.replace("v2.a.k1.", "v2.a.k2.", 1), context="c", row="r1")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "v3.a.k1.AAAA",
        "v2.a.k1.AAAA",
        "v1.z.k1.AAAA",
        "v1.a.k1.AAAA",
        "v1.a.k1.!!!!",
        "v1.a.k1.a.b",
        "v1.a.nokey." + "A" * 40,
    ],
)
def test_malformed_tokens_raise_cipher_error(token: str) -> None:
    with pytest.raises(CipherError):
        PiiCipher({"k1": AES_KEY}, "k1").decrypt(token, context="c", row="r1")


def test_rotation_old_tokens_still_decrypt() -> None:
    old = PiiCipher({"2024": AES_KEY}, "2024")
    token = old.encrypt("13800000000", context="person.phone", row="r1")
    new_key = PiiCipher.generate_key("aes-256-gcm")
    rotated = PiiCipher({"2024": AES_KEY, "2025": new_key}, "2025")
    assert rotated.decrypt(token, context="person.phone", row="r1") == "13800000000"
    assert rotated.needs_rotation(token)
    fresh = rotated.encrypt("13800000000", context="person.phone", row="r1")
    assert fresh.startswith("v2.a.2025.")
    assert not rotated.needs_rotation(fresh)
    with pytest.raises(CipherError, match="unknown PII key id"):
        old.decrypt(fresh, context="person.phone", row="r1")


def test_migration_from_aes_to_sm4() -> None:
    token = PiiCipher({"a1": AES_KEY}, "a1").encrypt("张三", context="person.name", row="r1")
    sm4 = PiiCipher({"a1": AES_KEY, "s1": SM4_KEY}, "s1", "sm4-gcm")
    assert sm4.decrypt(token, context="person.name", row="r1") == "张三"
    assert sm4.needs_rotation(token)
    assert sm4.encrypt("张三", context="person.name", row="r1").startswith("v2.s.s1.")


def test_key_size_mismatch_with_tag_fails() -> None:
    token = PiiCipher({"k": AES_KEY}, "k").encrypt("x", context="c", row="r1")
    with pytest.raises(CipherError):
        PiiCipher({"k": SM4_KEY}, "k", "sm4-gcm").decrypt(token, context="c", row="r1")


def test_generate_key_sizes() -> None:
    assert len(PiiCipher.generate_key("aes-256-gcm")) == 32
    assert len(PiiCipher.generate_key("sm4-gcm")) == 16
    assert PiiCipher.generate_key() != PiiCipher.generate_key()
    with pytest.raises(ValueError):
        PiiCipher.generate_key("des")


@pytest.mark.parametrize(
    ("keys", "active", "algorithm", "message"),
    [
        ({"k1": AES_KEY}, "k1", "rot13", "unknown PII cipher algorithm"),
        ({"k1": AES_KEY}, "k2", "aes-256-gcm", "not in the keyring"),
        ({"k1": SM4_KEY}, "k1", "aes-256-gcm", "needs 32"),
        ({"k1": AES_KEY}, "k1", "sm4-gcm", "needs 16"),
        ({"k1": b"short"}, "k1", "aes-256-gcm", "must be 16"),
        ({"k.1": AES_KEY}, "k.1", "aes-256-gcm", "key id"),
        ({"": AES_KEY}, "", "aes-256-gcm", "key id"),
    ],
)
def test_construction_validates(keys: dict[str, bytes], active: str, algorithm: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PiiCipher(keys, active, algorithm)
