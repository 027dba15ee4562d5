"""What ``uidp ca sign`` (plays the USB-key client) and ``uidp ca demo-cert`` (dev) do (plugins.ca.commands).

``sign`` signs the challenge on the user's machine with a PEM private key (RSA, EC; with ``--sm2`` an SM2 key
as PEM or 64 hex digits); the key (and any PIN protecting
it) never reaches the server, only the signature does. ``demo-cert`` writes a throw-away root CA and an
end-entity P-256 certificate for client authentication naming a credit code (organizationIdentifier) or a
person's ID number (serialNumber ``IDCCN-…``), which is what binding checks, so the binding and login flow can
be tried on the dev profile (no CRL needed there). The root is kept across runs.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from uidp.plugin_api import sm2

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


def _certificate(
    subject: x509.Name, issuer: x509.Name, public_key: Any, signer: Any, *, ca: bool, days: int
) -> x509.Certificate:
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


def _demo_root(out: Path) -> tuple[x509.Certificate, Any]:
    """The demo root and its key under ``out``: the ones an earlier run wrote, so its certificates stay trusted."""
    certificate, key = out / "roots" / "demo-root.pem", out / "demo-root.key.pem"
    if certificate.is_file() and key.is_file():
        return x509.load_pem_x509_certificate(certificate.read_bytes()), serialization.load_pem_private_key(
            key.read_bytes(), None
        )
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UIDP Demo Root CA (dev only)")])
    root = _certificate(root_name, root_name, root_key.public_key(), root_key, ca=True, days=3650)
    certificate.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    _write_key(key, root_key)
    return root, root_key


def _write_key(path: Path, key: Any) -> None:
    pem, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    path.write_bytes(key.private_bytes(pem, pkcs8, serialization.NoEncryption()))
    path.chmod(0o600)


def write_demo(
    out: Path, credit_code: str | None = None, name: str = "湖北演示科技有限公司", id_number: str | None = None
) -> dict[str, Path]:
    """A root CA (``roots/demo-root.pem``, kept across runs) and an EC end-entity certificate with its key under
    ``out``: ``entity.pem`` naming ``credit_code`` (organizationIdentifier), or with ``id_number``
    ``person.pem`` naming a person's number (serialNumber ``IDCCN-<number>``)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "roots").mkdir(exist_ok=True)
    root, root_key = _demo_root(out)
    key = ec.generate_private_key(ec.SECP256R1())
    if id_number:
        kind, holder = "person", x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCCN-{id_number.strip().upper()}")
    elif credit_code:
        kind, holder = "entity", x509.NameAttribute(ORGANIZATION_IDENTIFIER, credit_code.strip().upper())
    else:
        raise ValueError("a demo certificate names a credit code or an ID number")
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, name), holder]
    )
    leaf = _certificate(subject, root.subject, key.public_key(), root_key, ca=False, days=365)
    paths = {"root": out / "roots" / "demo-root.pem", "certificate": out / f"{kind}.pem"}
    paths["key"] = out / f"{kind}.key.pem"
    paths["certificate"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    _write_key(paths["key"], key)
    return paths
