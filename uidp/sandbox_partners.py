"""Sandbox scan partners (dev profile): key pairs that sign callbacks exactly as the real partners do.

Each channel (ehuiban, esscard, elicense) and algorithm has one key pair in ``DATA_DIR/sandbox-partners/``,
made on first use and shared by the server (which trusts its public key when no real key is configured) and
``uidp sandbox scan`` (which signs with the private key and posts to the server's callback route). Of two
processes making the same key at once, the first file written wins and both read it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from uidp.config import Settings
from uidp.security import sm2
from uidp.security.partner_callbacks import PartnerKey, SignAlgorithm, sign_rsa, sign_sm2

SANDBOX_PARTNERS_DIR = "sandbox-partners"


def sandbox_partner_id(channel: str) -> str:
    return f"sandbox-{channel}"


@dataclass(frozen=True)
class SandboxPartner:
    """A channel's sandbox partner: its id, algorithm and private key (PEM for RSA, hex for SM2)."""

    channel: str
    algorithm: SignAlgorithm
    private: str

    @property
    def partner_id(self) -> str:
        return sandbox_partner_id(self.channel)

    def public_key(self) -> PartnerKey:
        """The key the server trusts for this partner."""
        if self.algorithm is SignAlgorithm.SM2:
            return PartnerKey(self.partner_id, self.algorithm, sm2.public_point(self.private))
        # our own file, made by _new_private: the (slow) RSA consistency check would add ~40 ms per load
        key = serialization.load_pem_private_key(
            self.private.encode(), password=None, unsafe_skip_rsa_key_validation=True
        )
        der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return PartnerKey(self.partner_id, self.algorithm, der)

    def sign(self, fields: Mapping[str, str]) -> str:
        """The ``sign`` field for these fields (the canonical form of uidp.security.partner_callbacks)."""
        if self.algorithm is SignAlgorithm.SM2:
            return sign_sm2(self.private, fields)
        return sign_rsa(self.private.encode(), fields)


def _new_private(algorithm: SignAlgorithm) -> str:
    if algorithm is SignAlgorithm.SM2:
        return sm2.new_private_key()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class SandboxKeys(Mapping[str, PartnerKey]):
    """The sandbox partner's key as a channel's ``partners`` mapping, its key pair read (or made) on first use:
    an app that never receives a sandbox callback never makes a key."""

    def __init__(self, data_dir: Path, channel: str, algorithm: SignAlgorithm) -> None:
        self.data_dir, self.channel, self.algorithm = data_dir, channel, algorithm
        self._key: PartnerKey | None = None

    def _loaded(self) -> PartnerKey:
        if self._key is None:
            self._key = sandbox_partner(self.data_dir, self.channel, self.algorithm).public_key()
        return self._key

    def __getitem__(self, partner_id: str) -> PartnerKey:
        if partner_id != sandbox_partner_id(self.channel):
            raise KeyError(partner_id)
        return self._loaded()

    def __iter__(self) -> Iterator[str]:
        return iter((sandbox_partner_id(self.channel),))

    def __len__(self) -> int:
        return 1


def sandbox_partner(data_dir: Path, channel: str, algorithm: SignAlgorithm) -> SandboxPartner:
    """The channel's sandbox partner for ``algorithm``, its key made on first use (mode 0600)."""
    folder = Path(data_dir) / SANDBOX_PARTNERS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{channel}-{algorithm.value.lower()}.key"
    if not path.exists():
        temporary = folder / f".{path.name}.{secrets.token_hex(6)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(_new_private(algorithm))
        try:
            os.link(temporary, path)  # fails if another process got there first: its key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return SandboxPartner(channel, algorithm, path.read_text().strip())


def registered_name(settings: Settings, id_number: str) -> str | None:
    """The name registered for a resident ID number (what a sandbox partner's real-name check would
    answer), or None; for ``uidp sandbox scan``, which opens the database itself."""
    from tortoise import Tortoise

    from uidp.db import tortoise_config
    from uidp.domain.certificates import CertificateType, normalize_certificate_number
    from uidp.models.person import Person
    from uidp.runtime import Crypto
    from uidp.services.shared.pii import Pii

    number = normalize_certificate_number(CertificateType.RESIDENT_ID, id_number)
    pii = Pii(Crypto.of(settings))

    async def lookup() -> str | None:
        await Tortoise.init(config=tortoise_config(settings))
        try:
            index = pii.certificate_lookup(CertificateType.RESIDENT_ID.value, number)
            person = await Person.get_or_none(**index.on("certificate_index"))
            return pii.open("person.name", person.id, person.name_enc) if person else None
        finally:
            await Tortoise.close_connections()

    return asyncio.run(lookup())
