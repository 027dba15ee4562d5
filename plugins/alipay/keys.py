"""Keys and certificates of an Alipay app: PKCS#1 or PKCS#8 private keys, public keys, certificate SNs, chains.

A certificate SN, as Alipay computes it, is the lowercase hex MD5 of the issuer name in RFC 2253 form (the most
significant RDN last, joined by commas) followed by the decimal serial number. ``alipay_root_cert_sn`` joins
with ``_`` the SNs of the root file's RSA-signed certificates only (the file also holds an SM2 root).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RSA_SIGNATURE_ARC = "1.2.840.113549.1.1."  # sha1WithRSAEncryption, sha256WithRSAEncryption ...
MIN_RSA_BITS = 2048
PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class KeyMaterialError(ValueError):
    """A key or certificate cannot be used; the message names no secret."""


def load_private_key(data: bytes) -> rsa.RSAPrivateKey:
    """A PEM key (``BEGIN RSA PRIVATE KEY``: PKCS#1, ``BEGIN PRIVATE KEY``: PKCS#8) or the bare base64 DER the
    Alipay key tool writes (either form)."""
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(text, password=None)
        else:
            key = serialization.load_der_private_key(_bare_base64(text), password=None)
    except (ValueError, TypeError, binascii.Error):
        raise KeyMaterialError("the private key is not a readable unencrypted RSA key (PKCS#1 or PKCS#8)") from None
    return _rsa_private(key)


def load_public_key(data: bytes) -> rsa.RSAPublicKey:
    """Alipay's public key: PEM (``BEGIN PUBLIC KEY`` or ``BEGIN RSA PUBLIC KEY``) or bare base64 SPKI DER."""
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
        else:
            key = serialization.load_der_public_key(_bare_base64(text))
    except (ValueError, TypeError, binascii.Error):
        raise KeyMaterialError("the public key is not a readable RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(f"the public key must be RSA of at least {MIN_RSA_BITS} bits (RSA2)")
    return key


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every PEM certificate in a file, in order; a file without one is refused."""
    blocks = PEM_CERT.findall(data)
    if not blocks:
        raise KeyMaterialError("the file holds no PEM certificate")
    try:
        return [x509.load_pem_x509_certificate(block) for block in blocks]
    except ValueError:
        raise KeyMaterialError("a certificate in the file cannot be read") from None


def cert_sn(cert: x509.Certificate) -> str:
    """MD5 hex of the issuer's RFC 2253 name followed by the decimal serial number."""
    return hashlib.md5((cert.issuer.rfc4514_string() + str(cert.serial_number)).encode()).hexdigest()


def is_rsa_signed(cert: x509.Certificate) -> bool:
    return cert.signature_algorithm_oid.dotted_string.startswith(RSA_SIGNATURE_ARC)


def root_cert_sn(roots: Sequence[x509.Certificate]) -> str:
    """``alipay_root_cert_sn``: the SNs of the RSA-signed roots, joined by ``_``."""
    sns = [cert_sn(cert) for cert in roots if is_rsa_signed(cert)]
    if not sns:
        raise KeyMaterialError("the root file holds no RSA certificate")
    return "_".join(sns)


def rsa_key_of(cert: x509.Certificate) -> rsa.RSAPublicKey:
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(f"the certificate's key must be RSA of at least {MIN_RSA_BITS} bits")
    return key


def chains_to_root(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], at: datetime
) -> bool:
    """Whether ``leaf`` is valid at ``at`` and reaches one of ``roots`` through CA ``intermediates``."""
    current, seen = leaf, 0
    while seen <= len(intermediates):
        if not _valid_at(current, at):
            return False
        for root in roots:
            if _issued_by(current, root):
                return _valid_at(root, at)
        parent = next((c for c in intermediates if c is not current and _issued_by(current, c)), None)
        if parent is None or not is_ca(parent):
            return False
        current, seen = parent, seen + 1
    return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _valid_at(cert: x509.Certificate, at: datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _bare_base64(text: bytes) -> bytes:
    return base64.b64decode(b"".join(text.split()), validate=True)


def _rsa_private(key: object) -> rsa.RSAPrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(f"the private key must be RSA of at least {MIN_RSA_BITS} bits (RSA2)")
    return key
