"""Keys and certificates for the Alipay tests, made with cryptography: an app key, a gateway key, and the
certificate mode's chain (an RSA root and an EC root standing in for Alipay's SM2 one, an intermediate CA, the
gateway's and the app's public-key certificates), plus an untrusted chain and the files the settings name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

APP_ID = "2021000123456789"


def name(cn: str, ou: str = "Certification Authority", o: str = "Ant Financial", c: str = "CN") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, c),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])  # fmt: skip


def certificate(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, ca: bool, serial: int,
                days: int = 365, hash_alg=None) -> x509.Certificate:  # fmt: skip
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hash_alg or hashes.SHA256())


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


def pkcs1(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())  # fmt: skip


def pkcs8(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def spki(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def expected_sn(cert: x509.Certificate) -> str:
    """Written out by hand for the names above: C, O, OU, CN printed most specific first."""
    attrs = {a.oid: a.value for a in cert.issuer}
    text = (f"CN={attrs[NameOID.COMMON_NAME]},OU={attrs[NameOID.ORGANIZATIONAL_UNIT_NAME]},"
            f"O={attrs[NameOID.ORGANIZATION_NAME]},C={attrs[NameOID.COUNTRY_NAME]}")  # fmt: skip
    return hashlib.md5((text + str(cert.serial_number)).encode()).hexdigest()


@dataclass(frozen=True)
class Material:
    app_key: rsa.RSAPrivateKey
    gateway_key: rsa.RSAPrivateKey
    root: x509.Certificate
    ec_root: x509.Certificate
    intermediate: x509.Certificate
    gateway_cert: x509.Certificate
    app_cert: x509.Certificate
    rogue_root: x509.Certificate
    rogue_gateway_cert: x509.Certificate  # the gateway's key, certified by a root nobody configured

    def files(self, folder: Path, *, mode: str = "public_key", private: bytes | None = None) -> dict[str, str]:
        """The UIDP_ALIPAY_* variables for ``mode``, with the files written into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)

        def write(file: str, data: bytes) -> str:
            (folder / file).write_bytes(data)
            return str(folder / file)

        env = {
            "UIDP_ALIPAY_APP_ID": APP_ID,
            "UIDP_ALIPAY_KEY_MODE": mode,
            "UIDP_ALIPAY_PRIVATE_KEY_FILE": write("app_private.pem", private or pkcs8(self.app_key)),
            "UIDP_ALIPAY_REDIRECT_URI": "https://portal.example/plugins/alipay/callback",
            "UIDP_ALIPAY_GATEWAY_URL": "https://openapi.alipay.test/gateway.do",
        }
        if mode == "public_key":
            env["UIDP_ALIPAY_PUBLIC_KEY_FILE"] = write("alipay_public.pem", spki(self.gateway_key.public_key()))
        else:
            env["UIDP_ALIPAY_APP_CERT_FILE"] = write("appCertPublicKey.crt", pem(self.app_cert))
            env["UIDP_ALIPAY_CERT_FILE"] = write(
                "alipayCertPublicKey_RSA2.crt", pem(self.gateway_cert, self.intermediate)
            )
            env["UIDP_ALIPAY_ROOT_CERT_FILE"] = write("alipayRootCert.crt", pem(self.root, self.ec_root))
        return env


@cache
def material() -> Material:
    root_key, inter_key = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    app_key, gateway_key = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    ec_key, rogue_key = ec.generate_private_key(ec.SECP256R1()), rsa.generate_private_key(65537, 2048)
    root_name = name("Ant Financial Certification Authority R1")
    root = certificate(root_name, root_key, root_name, root_key, ca=True, serial=623986286695406237, days=3650)
    ec_name = name("Ant Financial Certification Authority E1")
    ec_root = certificate(ec_name, ec_key, ec_name, ec_key, ca=True, serial=77, days=3650)
    inter_name = name("Ant Financial Certification Authority Class 2 R1")
    intermediate = certificate(inter_name, inter_key, root_name, root_key, ca=True, serial=1101, days=1800)
    gateway_cert = certificate(name("支付宝(中国)网络技术有限公司", ou="Alipay", o="Alipay"), gateway_key, inter_name,
                               inter_key, ca=False, serial=2021071300001)  # fmt: skip
    app_cert = certificate(name(APP_ID, ou="Alipay", o="湖北政务测试"), app_key, inter_name, inter_key, ca=False,
                           serial=2021071300002)  # fmt: skip
    rogue_name = name("Rogue Root", o="Nobody")
    rogue_root = certificate(rogue_name, rogue_key, rogue_name, rogue_key, ca=True, serial=5, days=3650)
    rogue_gateway = certificate(name("支付宝(中国)网络技术有限公司", ou="Alipay", o="Alipay"), gateway_key, rogue_name,
                                rogue_key, ca=False, serial=6)  # fmt: skip
    return Material(
        app_key, gateway_key, root, ec_root, intermediate, gateway_cert, app_cert, rogue_root, rogue_gateway
    )
