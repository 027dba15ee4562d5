"""Sealing PII for storage and computing the blind indexes that find and de-duplicate it."""

from __future__ import annotations

from typing import Protocol

from uidp.domain.login_identifiers import certificate_login_key
from uidp.security.blind_index import BlindIndex
from uidp.security.cipher import PiiCipher


class HasCrypto(Protocol):
    cipher: PiiCipher
    blind: BlindIndex


class Pii:
    """Encrypts values bound to their column, and makes keyed lookup digests."""

    def __init__(self, rt: HasCrypto) -> None:
        self.cipher = rt.cipher
        self.blind = rt.blind

    def seal(self, column: str, value: str) -> str:
        return self.cipher.encrypt(value, context=column)

    def open(self, column: str, token: str) -> str:
        return self.cipher.decrypt(token, context=column)

    def seal_optional(self, column: str, value: str | None) -> str | None:
        return None if value is None else self.seal(column, value)

    def certificate_index(self, certificate_type: str, number: str) -> str:
        return self.blind.digest(f"certificate:{certificate_type}", number)

    def login_index(self, number: str) -> str:
        """The certificate number as a login identifier: one digest space for every certificate type."""
        return self.blind.digest("login", certificate_login_key(number))

    def phone_index(self, phone: str) -> str:
        return self.blind.digest("phone", phone)

    def digest(self, kind: str, value: str) -> str:
        return self.blind.digest(kind, value)
