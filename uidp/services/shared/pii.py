"""Sealing PII for storage and computing the blind indexes that find and de-duplicate it."""

from __future__ import annotations

from typing import Protocol

from uidp.domain.login_identifiers import certificate_login_key
from uidp.security.blind_index import BlindIndex, Lookup
from uidp.security.cipher import CipherError, PiiCipher


class HasCrypto(Protocol):
    cipher: PiiCipher
    blind: BlindIndex


class Pii:
    """Encrypts values bound to their column and row, and makes keyed lookup digests.

    ``row`` is the row's primary key (UUIDs are made in Python before the insert, so a creating service
    knows it): a value copied to another row does not open there.
    """

    def __init__(self, rt: HasCrypto) -> None:
        self.cipher = rt.cipher
        self.blind = rt.blind

    def seal(self, column: str, row: object, value: str) -> str:
        return self.cipher.encrypt(value, context=column, row=str(row))

    def open(self, column: str, row: object, token: str) -> str:
        """The value in clear; CipherError naming the column and row when it was not sealed for them."""
        try:
            return self.cipher.decrypt(token, context=column, row=str(row))
        except CipherError as error:
            raise CipherError(f"{column} of row {row}: {error}") from None

    def seal_optional(self, column: str, row: object, value: str | None) -> str | None:
        return None if value is None else self.seal(column, row, value)

    # ``*_index`` and ``digest`` give what a write stores; ``*_lookup`` and ``lookup`` what a read matches
    # (``Lookup.on(column)``: both digests while ``uidp keys rotate-blind-index`` moves them, else one).

    def certificate_index(self, certificate_type: str, number: str) -> str:
        return self.blind.digest(f"certificate:{certificate_type}", number)

    def certificate_lookup(self, certificate_type: str, number: str) -> Lookup:
        return self.blind.lookup(f"certificate:{certificate_type}", number)

    def login_index(self, number: str) -> str:
        """The certificate number as a login identifier: one digest space for every certificate type."""
        return self.blind.digest("login", certificate_login_key(number))

    def login_lookup(self, number: str) -> Lookup:
        return self.blind.lookup("login", certificate_login_key(number))

    def phone_index(self, phone: str) -> str:
        return self.blind.digest("phone", phone)

    def phone_lookup(self, phone: str) -> Lookup:
        return self.blind.lookup("phone", phone)

    def digest(self, kind: str, value: str) -> str:
        return self.blind.digest(kind, value)

    def lookup(self, kind: str, value: str) -> Lookup:
        return self.blind.lookup(kind, value)
