"""Command-line tools for CA login: ``uidp ca sign`` (plays the USB-key client) and ``uidp ca demo-cert`` (dev).

``sign`` signs the challenge on the user's machine with a PEM private key (RSA, EC; with ``--sm2`` an SM2 key
as PEM or 64 hex digits); the key (and any PIN protecting
it) never reaches the server, only the signature does. ``demo-cert`` writes a throw-away root CA and an
end-entity P-256 certificate for client authentication naming a credit code (organizationIdentifier), which
is what binding checks, so the binding and login flow can be tried on the dev profile (no CRL needed there).
"""

from __future__ import annotations

import argparse
import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from plugins.ca import sm2

ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")


def sign_challenge(key_pem: bytes, challenge: str, password: bytes | None = None) -> str:
    """Base64 signature over the UTF-8 challenge: RSA PKCS#1 v1.5 SHA-256 or ECDSA SHA-256."""
    key = serialization.load_pem_private_key(key_pem, password=password)
    data = challenge.encode()
    if isinstance(key, rsa.RSAPrivateKey):
        return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()
    raise ValueError("only RSA and EC keys are supported")


def sm2_private_key(text: bytes) -> str:
    """An SM2 private key as hex: a file holding the 64 hex digits, or a PEM (PKCS#8 or SEC1) SM2 key."""
    stripped = text.strip()
    if b"-----BEGIN" not in stripped:
        key = stripped.decode().lower()
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("an SM2 key file holds 64 hex digits or a PEM key")
        return key
    body = b"".join(line for line in stripped.splitlines() if not line.startswith(b"-----"))
    _, content, _ = sm2.read_tlv(base64.b64decode(body))
    items = sm2.children(content)
    if len(items) >= 3 and items[1][0] == 0x30:  # PKCS#8: version, algorithm, OCTET STRING { ECPrivateKey }
        _, content, _ = sm2.read_tlv(items[2][1])
        items = sm2.children(content)
    return items[1][1].rjust(32, b"\x00").hex()  # ECPrivateKey: version, privateKey OCTET STRING, ...


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(subject: x509.Name, issuer: x509.Name, public_key: Any, signer: Any, *, ca: bool, days: int):
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_usage(ca=ca), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def write_demo(out: Path, credit_code: str, name: str = "湖北演示科技有限公司") -> dict[str, Path]:
    """A root CA (``roots/demo-root.pem``) and an EC end-entity certificate with its key, under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "roots").mkdir(exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UIDP Demo Root CA (dev only)")])
    root = _certificate(root_name, root_name, root_key.public_key(), root_key, ca=True, days=3650)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(ORGANIZATION_IDENTIFIER, credit_code),
        ]
    )
    leaf = _certificate(subject, root_name, key.public_key(), root_key, ca=False, days=365)
    pem = serialization.Encoding.PEM
    paths = {"root": out / "roots" / "demo-root.pem", "certificate": out / "entity.pem", "key": out / "entity.key.pem"}
    paths["root"].write_bytes(root.public_bytes(pem))
    paths["certificate"].write_bytes(leaf.public_bytes(pem))
    paths["key"].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return paths


def run(args: argparse.Namespace) -> None:
    """Entry point for ``uidp ca ...`` (uidp.cli loads this module by name)."""
    if args.ca_command == "sign":
        key = Path(args.key).read_bytes()
        if args.sm2:
            print(base64.b64encode(sm2.sign(sm2_private_key(key), args.challenge.encode())).decode())
        else:
            print(sign_challenge(key, args.challenge))
        return
    paths = write_demo(Path(args.out), args.credit_code, args.name)
    print(f"trusted root:  {paths['root']}  (export UIDP_CA_TRUST_DIR={paths['root'].parent})")
    print(f"certificate:   {paths['certificate']}")
    print(f"private key:   {paths['key']}")
