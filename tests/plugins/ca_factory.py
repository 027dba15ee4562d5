"""Test CAs for CA login and binding: roots, intermediates, end-entity certificates and CRLs (RSA and ECDSA)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from uidp.models.entity import Entity, EntityType
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.security import sm2
from uidp.services.shared.pii import Pii

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # tests/conftest.py DEFAULT_NOW
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
CREDIT_CODE = "91420100MA4KXXXX1A"
PERSON_NUMBER = "420102199001011215"  # make_person's default
CLIENT_AUTH = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
# key kinds: rsa (2048), ec (P-256), sm2, and for refusals rsa1024, p384, secp256k1, ed25519
CURVES = {"ec": ec.SECP256R1, "p384": ec.SECP384R1, "secp256k1": ec.SECP256K1}


def new_key(kind: str = "rsa") -> Any:
    if kind == "sm2":
        return Sm2Key(sm2.new_private_key())
    if kind in CURVES:
        return ec.generate_private_key(CURVES[kind]())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=1024 if kind == "rsa1024" else 2048)


def name(
    common_name: str, credit_code: str | None = None, how: str = "orgid", person_number: str | None = None
) -> x509.Name:
    """``how``: where the subject names ``credit_code`` (a credit code, or a person's number for "idc"/"serial"):
    orgid (organizationIdentifier), serial (bare serialNumber) or idc (serialNumber ``IDCCN-<number>``).
    ``person_number`` adds a person's serialNumber ``IDCCN-<number>`` (an employee certificate of an entity)."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if credit_code and how == "orgid":
        attributes.append(x509.NameAttribute(ORGANIZATION_IDENTIFIER, credit_code))
    elif credit_code and how == "serial":
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, credit_code))
    elif credit_code and how == "idc":
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCCN-{credit_code}"))
    if person_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCCN-{person_number}"))
    return x509.Name(attributes)


@dataclass
class Issued:
    certificate: x509.Certificate
    key: Any

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def der_b64(self) -> str:
        return base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode()

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, challenge: str) -> str:
        return sign_with(self.key, challenge)


def sign_with(key: Any, challenge: str) -> str:
    data = challenge.encode()
    if isinstance(key, Sm2Key):
        return base64.b64encode(key.sign(data)).decode()
    if isinstance(key, rsa.RSAPrivateKey):
        return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return base64.b64encode(key.sign(data)).decode()
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


@dataclass
class CaFactory:
    """A root (optionally with an intermediate) that issues end-entity certificates and CRLs."""

    kind: str = "rsa"
    label: str = "Test Root"
    pss: bool = False
    path_length: int | None = None  # the root's BasicConstraints pathLenConstraint
    root: Issued = field(init=False)

    def __post_init__(self) -> None:
        key = new_key(self.kind)
        self.root = Issued(
            self._build(
                name(self.label),
                name(self.label),
                key.public_key(),
                key,
                ca=True,
                key_usage="ca",
                path_length=self.path_length,
            ),
            key,
        )

    def _build(
        self,
        subject: x509.Name,
        issuer: x509.Name,
        public_key: Any,
        signing_key: Any,
        *,
        ca: bool,
        key_usage: str | None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        serial: int | None = None,
        path_length: int | None = None,
        odd_critical: bool = False,
        extra: tuple[x509.ExtensionType, ...] = (),
    ) -> x509.Certificate:
        if self.kind == "sm2":
            return sm2_certificate(
                subject, issuer, public_key, signing_key, ca=ca, key_usage=key_usage,
                not_before=not_before or NOW - timedelta(days=30), not_after=not_after or NOW + timedelta(days=365),
                serial=serial or x509.random_serial_number(), extra=extra,
            )  # fmt: skip
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before or NOW - timedelta(days=30))
            .not_valid_after(not_after or NOW + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        )
        if key_usage is not None:
            builder = builder.add_extension(key_usage_value(key_usage), critical=True)
        for value in extra:
            builder = builder.add_extension(value, critical=False)
        if odd_critical:  # an extension nobody understands, marked critical
            odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
            builder = builder.add_extension(odd, critical=True)
        if isinstance(signing_key, rsa.RSAPrivateKey) and self.pss:
            return builder.sign(
                signing_key,
                hashes.SHA256(),
                rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            )
        return builder.sign(signing_key, hashes.SHA256())

    def intermediate(self, label: str = "Test Sub CA", *, ca: bool = True, key_usage: str | None = "ca") -> CaFactory:
        """A CA below this one: its ``root`` is the intermediate, signed by this CA's root."""
        sub = object.__new__(type(self))
        sub.kind, sub.label, sub.pss, sub.path_length = self.kind, label, self.pss, None
        key = new_key(self.kind)
        certificate = self._build(
            name(label), self.root.certificate.subject, key.public_key(), self.root.key, ca=ca, key_usage=key_usage
        )
        sub.root = Issued(certificate, key)
        return sub

    def issue(
        self,
        common_name: str = "湖北测试科技有限公司",
        *,
        credit_code: str | None = CREDIT_CODE,
        how: str = "orgid",
        key_usage: str | None = "sign",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        kind: str | None = None,
        odd_critical: bool = False,
        purposes: x509.ExtendedKeyUsage | None = CLIENT_AUTH,
        policies: tuple[str, ...] = (),
        person_number: str | None = None,
    ) -> Issued:
        """An end-entity certificate with its private key: for client authentication unless ``purposes`` says
        otherwise (None: no extendedKeyUsage), with the certificate policies ``policies``."""
        key = new_key(kind or self.kind)
        extra: list[x509.ExtensionType] = [purposes] if purposes is not None else []
        if policies:
            extra.append(
                x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies])
            )
        certificate = self._build(
            name(common_name, credit_code, how, person_number),
            self.root.certificate.subject,
            key.public_key(),
            self.root.key,
            ca=False,
            key_usage=key_usage,
            not_before=not_before,
            not_after=not_after,
            odd_critical=odd_critical,
            extra=tuple(extra),
        )
        return Issued(certificate, key)

    def issue_person(self, number: str = PERSON_NUMBER, common_name: str = "张三", **options: Any) -> Issued:
        """A natural person's certificate naming ``number`` as ``IDCCN-<number>`` (``how="serial"``: bare)."""
        return self.issue(common_name, credit_code=number, how=options.pop("how", "idc"), **options)

    def crl(
        self,
        *revoked: x509.Certificate,
        signing_key: Any = None,
        last_update: datetime = NOW - timedelta(days=1),
        next_update: datetime = NOW + timedelta(days=7),
    ) -> x509.CertificateRevocationList:
        """A CRL of this CA (current at NOW unless the dates say otherwise) revoking ``revoked``."""
        if self.kind == "sm2":
            serials = [c.serial_number for c in revoked]
            key = signing_key or self.root.key
            return sm2_crl(self.root.certificate.subject, serials, key, last_update, next_update)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.certificate.subject)
            .last_update(last_update)
            .next_update(next_update)
        )
        for certificate in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(certificate.serial_number)
                .revocation_date(NOW - timedelta(hours=1))
                .build()
            )
        return builder.sign(signing_key or self.root.key, hashes.SHA256())

    def write_root(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.label.replace(' ', '_')}.pem"
        path.write_text(self.root.pem)
        return path


def write_crl(crl: x509.CertificateRevocationList, path: Path) -> Path:
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return path


async def make_entity(rt: Any, credit_code: str = CREDIT_CODE, *, level: int = 2, phone: str = "13900000001") -> Any:
    """An entity row written directly (entity registration is built elsewhere)."""
    pii, now, entity_id = Pii(rt), rt.clock.now(), uuid.uuid4()
    return await Entity.create(
        id=entity_id,
        entity_type=EntityType.ENTERPRISE,
        credit_code_index=pii.digest("credit_code", credit_code),
        credit_code_enc=pii.seal("entity.credit_code", entity_id, credit_code),
        name_enc=pii.seal("entity.name", entity_id, "湖北测试科技有限公司"),
        representative_id=uuid.uuid4(),
        contact_name_enc=pii.seal("entity.contact_name", entity_id, "张三"),
        contact_certificate_number_enc=pii.seal("entity.contact_certificate_number", entity_id, "420102199001011215"),
        contact_phone_enc=pii.seal("entity.contact_phone", entity_id, phone),
        contact_phone_index=pii.phone_index(phone),
        level=level,
        created_at=now,
        updated_at=now,
    )


async def make_person(
    rt: Any, *, level: int = 2, phone: str = "13900000002", number: str = "420102199001011215"
) -> Any:
    """An active person row written directly."""
    pii, now, person_id = Pii(rt), rt.clock.now(), uuid.uuid4()
    return await Person.create(
        id=person_id,
        status=PersonStatus.ACTIVE,
        source=PersonSource.REGISTERED,
        certificate_type="RESIDENT_ID",
        certificate_index=pii.certificate_index("RESIDENT_ID", number),
        certificate_number_enc=pii.seal("person.certificate_number", person_id, number),
        name_enc=pii.seal("person.name", person_id, "张三"),
        phone_index=pii.phone_index(phone),
        phone_enc=pii.seal("person.phone", person_id, phone),
        level=level,
        created_at=now,
        updated_at=now,
    )


# ---- SM2: cryptography cannot build SM2 certificates, so their DER is written by hand ----------------------


class Sm2Key:
    """An SM2 private key (hex) with the shape the factory needs: public_key() and sign()."""

    def __init__(self, private_hex: str) -> None:
        self.private_hex = private_hex
        self.point = sm2.public_point(private_hex)

    def public_key(self) -> Sm2Key:
        return self

    def sign(self, data: bytes) -> bytes:
        return sm2.sign(self.private_hex, data)


def der(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = (
        bytes([n])
        if n < 0x80
        else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    )
    return bytes([tag]) + length + content


def seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def integer(n: int) -> bytes:
    return der(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.insert(0, 0x80 | (arc & 0x7F))
        body += bytes(chunk)
    return der(0x06, bytes(body))


def utc_time(moment: datetime) -> bytes:
    return der(0x17, moment.astimezone(UTC).strftime("%y%m%d%H%M%SZ").encode())


def bit_string(data: bytes) -> bytes:
    return der(0x03, b"\x00" + data)


SM2_ALGORITHM = seq(oid(sm2.SM2_WITH_SM3.dotted_string))


def key_usage_value(key_usage: str) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=key_usage in ("sign", "ca"), content_commitment=False,
        key_encipherment=key_usage == "encipher", data_encipherment=False, key_agreement=False,
        key_cert_sign=key_usage == "ca", crl_sign=key_usage == "ca", encipher_only=False, decipher_only=False,
    )  # fmt: skip


def extension(value: x509.ExtensionType) -> bytes:
    return seq(oid(value.oid.dotted_string), der(0x01, b"\xff"), der(0x04, value.public_bytes()))


def sm2_certificate(
    subject: x509.Name, issuer: x509.Name, public_key: Sm2Key, signing_key: Sm2Key, *, ca: bool,
    key_usage: str | None, not_before: datetime, not_after: datetime, serial: int,
    extra: tuple[x509.ExtensionType, ...] = (),
) -> x509.Certificate:  # fmt: skip
    spki = seq(seq(oid(sm2.EC_PUBLIC_KEY), oid(sm2.SM2_CURVE)), bit_string(b"\x04" + public_key.point))
    extensions = [extension(x509.BasicConstraints(ca=ca, path_length=None))]
    if key_usage is not None:
        extensions.append(extension(key_usage_value(key_usage)))
    extensions += [extension(value) for value in extra]
    tbs = seq(
        der(0xA0, integer(2)), integer(serial), SM2_ALGORITHM, issuer.public_bytes(),
        seq(utc_time(not_before), utc_time(not_after)), subject.public_bytes(), spki, der(0xA3, seq(*extensions)),
    )  # fmt: skip
    return x509.load_der_x509_certificate(seq(tbs, SM2_ALGORITHM, bit_string(signing_key.sign(tbs))))


def sm2_crl(
    issuer: x509.Name, serials: list[int], signing_key: Sm2Key, last_update: datetime, next_update: datetime
) -> x509.CertificateRevocationList:
    revoked = [seq(integer(serial), utc_time(NOW - timedelta(hours=1))) for serial in serials]
    tbs = seq(
        integer(1), SM2_ALGORITHM, issuer.public_bytes(), utc_time(last_update),
        utc_time(next_update), *([seq(*revoked)] if revoked else []),
    )  # fmt: skip
    return x509.load_der_x509_crl(seq(tbs, SM2_ALGORITHM, bit_string(signing_key.sign(tbs))))
