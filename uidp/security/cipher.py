"""Authenticated encryption of PII columns with key rotation.

A value is encrypted with AES-256-GCM (default) or SM4-GCM under the *active* key and becomes a compact ASCII
token::

    v2.<alg>.<key_id>.<base64url(nonce || ciphertext || tag)>

``alg`` is ``a`` (AES-256-GCM) or ``s`` (SM4-GCM). The algorithm and key id travel with the value, so
:meth:`PiiCipher.decrypt` picks the key by id and the algorithm by tag: old rows stay readable after the active
key (or algorithm) changes, and :meth:`PiiCipher.needs_rotation` tells a re-encryption job which rows to rewrite.

The caller's ``context`` (the column, for example ``"person.phone"``), the ``row`` (the row's primary key) and
the token header are bound as associated data, so a ciphertext copied into another column or another row, or
relabelled with another key id or algorithm, fails to decrypt.

Tokens of version ``v1`` were bound to the column only (before rows were bound too). :meth:`PiiCipher.decrypt`
refuses them, since they could have been moved between rows; only the re-sealing step of ``uidp migrate`` reads
them, with :meth:`PiiCipher.decrypt_column_only`, to rewrite them as ``v2``.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["ALGORITHMS", "CipherError", "PiiCipher"]

_VERSION: Final = "v2"  # bound to column and row
_COLUMN_ONLY: Final = "v1"  # bound to the column only: still opens, never written
_NONCE_SIZE: Final = 12
_TAG_SIZE: Final = 16
# algorithm name -> (tag in the token, key size in bytes)
ALGORITHMS: Final[Mapping[str, tuple[str, int]]] = {"aes-256-gcm": ("a", 32), "sm4-gcm": ("s", 16)}
_BY_TAG: Final = {tag: name for name, (tag, _size) in ALGORITHMS.items()}
_KEY_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]+")


class CipherError(Exception):
    """A token could not be decrypted: malformed, tampered, unknown key, or wrong context.

    The message never contains the token or the plaintext.
    """


class PiiCipher:
    """Encrypts and decrypts PII values with a keyring and one active key.

    ``keys`` maps key ids (1-32 characters of ``[A-Za-z0-9_-]``) to raw keys. The active key must have the size
    of ``algorithm`` (32 bytes for AES-256-GCM, 16 for SM4-GCM). Other keys are kept to decrypt older values
    and may belong to either algorithm, which allows migrating from one algorithm to the other.
    """

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str, algorithm: str = "aes-256-gcm") -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown PII cipher algorithm {algorithm!r}; expected one of {sorted(ALGORITHMS)}")
        if active_key_id not in keys:
            raise ValueError(f"active PII key id {active_key_id!r} is not in the keyring")
        valid_sizes = {size for _tag, size in ALGORITHMS.values()}
        for key_id, key in keys.items():
            if not _KEY_ID_RE.fullmatch(key_id):
                raise ValueError(f"PII key id {key_id!r} must be 1-32 characters of A-Z a-z 0-9 _ -")
            if not isinstance(key, bytes) or len(key) not in valid_sizes:
                raise ValueError(f"PII key {key_id!r} must be 16 (sm4-gcm) or 32 (aes-256-gcm) bytes")
        tag, size = ALGORITHMS[algorithm]
        if len(keys[active_key_id]) != size:
            raise ValueError(
                f"active PII key {active_key_id!r} is {len(keys[active_key_id])} bytes; {algorithm} needs {size}"
            )
        self._keys: dict[str, bytes] = dict(keys)
        self._active_key_id = active_key_id
        self._algorithm = algorithm
        self._tag = tag

    @property
    def active_key_id(self) -> str:
        """Id of the key new values are encrypted with."""
        return self._active_key_id

    @property
    def algorithm(self) -> str:
        """Algorithm new values are encrypted with."""
        return self._algorithm

    @staticmethod
    def generate_key(algorithm: str = "aes-256-gcm") -> bytes:
        """Return a fresh random key of the right size for ``algorithm``."""
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown PII cipher algorithm {algorithm!r}; expected one of {sorted(ALGORITHMS)}")
        return secrets.token_bytes(ALGORITHMS[algorithm][1])

    def encrypt(self, plaintext: str, *, context: str, row: str) -> str:
        """Encrypt ``plaintext`` under the active key, bound to ``context`` and ``row``; return an ASCII token."""
        header = f"{_VERSION}.{self._tag}.{self._active_key_id}"
        nonce = secrets.token_bytes(_NONCE_SIZE)
        aad = _aad(header, context, row)
        sealed = _seal(self._tag, self._keys[self._active_key_id], nonce, plaintext.encode(), aad)
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{header}.{body}"

    def decrypt(self, token: str, *, context: str, row: str) -> str:
        """Decrypt a token made by :meth:`encrypt` with the same ``context`` and ``row``.

        Raises :class:`CipherError` if the token is malformed, tampered with, names an unknown key or
        algorithm, was encrypted for another context or row, or is a column-only ``v1`` token.
        """
        return self._decrypt(token, context, row, _VERSION)

    def decrypt_column_only(self, token: str, *, context: str) -> str:
        """Decrypt a ``v1`` token, bound to its column only (to re-seal it for its row; nothing else reads it)."""
        return self._decrypt(token, context, None, _COLUMN_ONLY)

    def _decrypt(self, token: str, context: str, row: str | None, expected_version: str) -> str:
        version, tag, key_id, raw = self._parse(token)
        if version != expected_version:
            raise CipherError(f"PII token of format {version} where {expected_version} is expected")
        key = self._keys.get(key_id)
        if key is None:
            raise CipherError(f"unknown PII key id {key_id!r}")
        if len(key) != ALGORITHMS[_BY_TAG[tag]][1]:
            raise CipherError(f"PII key {key_id!r} does not fit algorithm {_BY_TAG[tag]}")
        header = f"{version}.{tag}.{key_id}"
        aad = _aad(header, context, row)
        try:
            plaintext = _open(tag, key, raw[:_NONCE_SIZE], raw[_NONCE_SIZE:], aad)
            return plaintext.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise CipherError(
                "PII token failed authentication (tampered, wrong key, or sealed for another column or row)"
            ) from None

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` was not made with the active key, algorithm and format (re-encrypt it)."""
        version, tag, key_id, _raw = self._parse(token)
        return version != _VERSION or key_id != self._active_key_id or tag != self._tag

    @staticmethod
    def _parse(token: str) -> tuple[str, str, str, bytes]:
        parts = token.split(".")
        if len(parts) != 4 or parts[0] not in (_VERSION, _COLUMN_ONLY):
            raise CipherError("malformed PII token")
        version, tag, key_id, body = parts
        if tag not in _BY_TAG:
            raise CipherError(f"unknown PII cipher tag {tag!r}")
        if not _B64URL_RE.fullmatch(body):
            raise CipherError("malformed PII token body")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise CipherError("malformed PII token body") from None
        if len(raw) < _NONCE_SIZE + _TAG_SIZE:
            raise CipherError("PII token too short")
        return version, tag, key_id, raw


def _aad(header: str, context: str, row: str | None = None) -> bytes:
    bound = header.encode("ascii") + b"\x00" + context.encode("utf-8")
    return bound if row is None else bound + b"\x00" + row.encode("utf-8")


def _seal(tag: str, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if tag == "a":
        return AESGCM(key).encrypt(nonce, data, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _open(tag: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if tag == "a":
        return AESGCM(key).decrypt(nonce, sealed, aad)
    ciphertext, gcm_tag = sealed[:-_TAG_SIZE], sealed[-_TAG_SIZE:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, gcm_tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext) + decryptor.finalize()
