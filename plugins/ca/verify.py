"""X.509 verification for CA login and binding (E4, E5): keys, chain, signatures, dates, usage, CRLs, possession.

Supported key types: RSA (PKCS#1 v1.5 and PSS links; PKCS#1 v1.5 with SHA-256 for the possession proof),
ECDSA (SHA-256 for the possession proof) through cryptography, and SM2-with-SM3 (links, CRLs and the
possession proof; signer id 1234567812345678) through uidp.security.sm2. Keys must be RSA of at least 2048 bits
or on P-256, P-384 or SM2 (CERTIFICATE_KEY_WEAK otherwise), on every certificate of the path.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from uidp.plugin_api import DomainError, ErrorCode, sm2

MAX_CHAIN = 8  # links between the end entity and its root
MAX_CERTIFICATE_BYTES = 16 * 1024
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
# ETSI EN 319 412-1 semantics identifiers for natural persons: IDCCN-<id card>, PASCN-<passport>, ...
PERSON_PREFIX = re.compile(r"^[A-Z]{3}[A-Z]{2}-")
PERSON_NUMBER = re.compile(r"[0-9A-Z]{5,30}")
MIN_RSA_BITS = 2048
RSA_PADDINGS = (padding.PKCS1v15, padding.PSS)
ExtensionValue = TypeVar("ExtensionValue", bound=x509.ExtensionType)
ALLOWED_CURVES = frozenset({"secp256r1", "secp384r1"})  # and SM2, which uidp.security.sm2 reads
CRL_CLOCK_SKEW = timedelta(minutes=5)  # a CRL issued "in the future" by up to this much is still current


def untrusted(message: str = "证书不受信任") -> DomainError:
    return DomainError(ErrorCode.CERTIFICATE_UNTRUSTED, message, "certificate")


@dataclass(frozen=True)
class VerifiedCertificate:
    """What a verified end-entity certificate tells us. ``credit_code`` is None when the subject names none."""

    fingerprint: str  # SHA-256 of the DER, lower-case hex
    subject_dn: str  # RFC 4514
    serial: str  # hex
    not_after: datetime
    credit_code: str | None
    person_number: str | None  # the holder's certificate number (ID card, passport ...), if the subject names one


def load_certificate(data: str | bytes) -> x509.Certificate:
    """One certificate, PEM or DER (DER may come base64-encoded, as a browser client sends it)."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_CERTIFICATE_BYTES * 2:
        raise untrusted("证书格式不正确")
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_certificate(raw)
        if raw[:1] != b"\x30":
            raw = base64.b64decode(b"".join(raw.split()), validate=True)
        return x509.load_der_x509_certificate(raw)
    except (ValueError, binascii.Error) as error:
        raise untrusted("证书格式不正确") from error


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle."""
    return [x509.load_pem_x509_certificate(block) for block in PEM_BLOCK.findall(data)]


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def credit_code_of(certificate: x509.Certificate) -> str | None:
    """The unified social credit code the subject names: organizationIdentifier (2.5.4.97, a prefix such as
    ``NTRCN-`` allowed), else serialNumber, else a code in brackets at the end of the CN."""
    subject = certificate.subject
    for oid in (ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER):
        for attribute in subject.get_attributes_for_oid(oid):
            value = str(attribute.value).strip().upper()
            match = USCC.search(value)
            if match and (value == match.group() or value.endswith("-" + match.group())):
                return match.group()
    for attribute in subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        match = re.search(r"[(（]\s*([0-9A-Z]{18})\s*[)）]\s*$", str(attribute.value).upper())
        if match and USCC.fullmatch(match.group(1)):
            return match.group(1)
    return None


def person_number_of(certificate: x509.Certificate) -> str | None:
    """The natural person's certificate number the subject names: the serialNumber attribute (bare, or with an
    ETSI semantics prefix such as ``IDCCN-``), else a number in brackets at the end of the CN."""
    subject = certificate.subject
    for attribute in subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = PERSON_PREFIX.sub("", str(attribute.value).strip().upper(), count=1)
        if PERSON_NUMBER.fullmatch(value):
            return value
    for attribute in subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        match = re.search(r"[(（]\s*([0-9A-Za-z]{5,30})\s*[)）]\s*$", str(attribute.value))
        if match:
            return match.group(1).upper()
    return None


def check_key(certificate: x509.Certificate) -> None:
    """RSA of at least 2048 bits, or an EC key on P-256, P-384 or SM2; CERTIFICATE_KEY_WEAK otherwise."""
    if sm2.public_key_of(certificate) is not None:
        return
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        return
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ALLOWED_CURVES:
        return
    raise DomainError(
        ErrorCode.CERTIFICATE_KEY_WEAK,
        "证书密钥不符合要求：须为 2048 位及以上 RSA，或 P-256、P-384、SM2 曲线",
        "certificate",
    )


def _extension(certificate: x509.Certificate, kind: type[ExtensionValue]) -> ExtensionValue | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _check_purpose(leaf: x509.Certificate, policy_oids: frozenset[str]) -> None:
    """An extendedKeyUsage, when present, must name client authentication; without one, the certificate must
    carry one of the configured policy OIDs (a CA profile for identity certificates)."""
    purposes = _extension(leaf, x509.ExtendedKeyUsage)
    if purposes is not None:
        if ExtendedKeyUsageOID.CLIENT_AUTH in purposes:
            return
    else:
        policies = _extension(leaf, x509.CertificatePolicies)
        if policies and any(policy.policy_identifier.dotted_string in policy_oids for policy in policies):
            return
    raise DomainError(ErrorCode.CERTIFICATE_USAGE_INVALID, "该证书不能用于身份认证", "certificate")


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    if child.signature_algorithm_oid == sm2.SM2_WITH_SM3:
        point = sm2.public_key_of(issuer)
        return (
            point is not None
            and child.issuer == issuer.subject
            and sm2.verify(point, child.signature, child.tbs_certificate_bytes)
        )
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _spend_link_check(child: x509.Certificate, issuer: x509.Certificate) -> None:
    """Check ``child``'s signature with ``issuer``'s key and ignore the outcome: a certificate whose issuer is
    unknown then costs what a one-link trusted chain costs (docs/decisions.md #36)."""
    if child.signature_algorithm_oid == sm2.SM2_WITH_SM3:
        point = sm2.public_key_of(issuer)
        if point is not None:
            sm2.verify(point, child.signature, child.tbs_certificate_bytes)
        return
    try:
        key, hashing = issuer.public_key(), child.signature_hash_algorithm
        parameters = child.signature_algorithm_parameters
        if isinstance(key, rsa.RSAPublicKey) and hashing is not None and isinstance(parameters, RSA_PADDINGS):
            key.verify(child.signature, child.tbs_certificate_bytes, parameters, hashing)
        elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(parameters, ec.ECDSA):
            key.verify(child.signature, child.tbs_certificate_bytes, parameters)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        pass


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if crl.signature_algorithm_oid == sm2.SM2_WITH_SM3:
        point = sm2.public_key_of(issuer)
        return point is not None and sm2.verify(point, crl.signature, crl.tbs_certlist_bytes)
    try:
        return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return False


def _not_before(c: x509.Certificate) -> datetime:
    return c.not_valid_before_utc


def _not_after(c: x509.Certificate) -> datetime:
    return c.not_valid_after_utc


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    return _extension(certificate, x509.KeyUsage)


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _path_length(certificate: x509.Certificate) -> int | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
    except x509.ExtensionNotFound:
        return None


class CertificateVerifier:
    """Checks end-entity certificates against trusted roots and CRLs, and possession of their keys.

    ``require_revocation``: every issuer on the path must have a current CRL (signed by it, ``thisUpdate`` <= now
    < ``nextUpdate``), else CERTIFICATE_REVOCATION_UNKNOWN. ``policy_oids`` admit certificates without an
    extendedKeyUsage."""

    def __init__(
        self,
        roots: Iterable[x509.Certificate],
        crls: Iterable[x509.CertificateRevocationList] = (),
        *,
        require_revocation: bool = False,
        policy_oids: Iterable[str] = (),
    ) -> None:
        self.roots = list(roots)
        self.crls = list(crls)
        self.require_revocation = require_revocation
        self.policy_oids = frozenset(policy_oids)

    def verify(
        self, certificate: str | bytes | x509.Certificate, chain: Sequence[str | bytes], at: datetime
    ) -> tuple[x509.Certificate, VerifiedCertificate]:
        """Build the path to a trusted root and check every link; raise a typed DomainError otherwise."""
        leaf = certificate if isinstance(certificate, x509.Certificate) else load_certificate(certificate)
        check_key(leaf)
        intermediates = [load_certificate(item) for item in chain[:MAX_CHAIN]]
        try:
            path = self._path(leaf, intermediates)
        except ValueError as error:  # a malformed name or signature field
            raise untrusted("证书格式不正确") from error
        at = at.astimezone(UTC)
        for item in path[1:]:
            check_key(item)
        for item in path:
            if not _not_before(item) <= at <= _not_after(item):
                if item is leaf:
                    raise DomainError(ErrorCode.CERTIFICATE_NOT_VALID_NOW, "证书不在有效期内", "certificate")
                raise DomainError(ErrorCode.CERTIFICATE_NOT_VALID_NOW, "证书链中的证书不在有效期内", "certificate")
        try:
            self._check_usage(path)
            _check_purpose(leaf, self.policy_oids)
        except ValueError as error:  # a malformed extension
            raise untrusted("证书格式不正确") from error
        for child, issuer in pairwise(path):
            self._check_revocation(child, issuer, at)
        return leaf, VerifiedCertificate(
            fingerprint=hashlib.sha256(leaf.public_bytes(Encoding.DER)).hexdigest(),
            subject_dn=leaf.subject.rfc4514_string(),
            serial=format(leaf.serial_number, "x"),
            not_after=_not_after(leaf),
            credit_code=credit_code_of(leaf),
            person_number=person_number_of(leaf),
        )

    @staticmethod
    def _check_usage(path: list[x509.Certificate]) -> None:
        """digitalSignature on a non-CA end entity; CA:true, keyCertSign and path lengths on issuers; no
        unrecognised critical extension anywhere (RFC 5280 4.2)."""
        for item in path:
            if any(e.critical and isinstance(e.value, x509.UnrecognizedExtension) for e in item.extensions):
                raise DomainError(ErrorCode.CERTIFICATE_USAGE_INVALID, "证书含有无法识别的关键扩展", "certificate")
        leaf = path[0]
        usage = _key_usage(leaf)
        if usage is None or not usage.digital_signature or _is_ca(leaf):
            raise DomainError(ErrorCode.CERTIFICATE_USAGE_INVALID, "该证书不能用于数字签名", "certificate")
        for depth, issuer in enumerate(path[1:]):  # depth: CA certificates between this issuer and the leaf
            issuer_usage = _key_usage(issuer)
            limit = _path_length(issuer)
            if (
                not _is_ca(issuer)
                or (issuer_usage is not None and not issuer_usage.key_cert_sign)
                or (limit is not None and depth > limit)
            ):
                raise DomainError(ErrorCode.CERTIFICATE_USAGE_INVALID, "证书链中的签发者不是证书机构", "certificate")

    def _path(self, leaf: x509.Certificate, intermediates: list[x509.Certificate]) -> list[x509.Certificate]:
        """leaf, intermediates ..., root: each link's signature checked; roots are the only anchors."""
        path = [leaf]
        current = leaf
        for _ in range(MAX_CHAIN + 1):
            for root in self.roots:
                if root.subject == current.issuer and _issued_by(current, root):
                    return [*path, root]
            nxt = next(
                (c for c in intermediates if c not in path and c.subject == current.issuer and _issued_by(current, c)),
                None,
            )
            if nxt is None:
                break
            path.append(nxt)
            current = nxt
        if len(path) == 1 and self.roots and all(c.subject != leaf.issuer for c in [*self.roots, *intermediates]):
            _spend_link_check(leaf, self.roots[0])
        raise untrusted()

    def _check_revocation(self, child: x509.Certificate, issuer: x509.Certificate, at: datetime) -> None:
        current = False
        for crl in self.crls:
            if crl.issuer != issuer.subject:
                continue
            if not _crl_signed_by(crl, issuer):
                continue  # a CRL the issuer did not sign says nothing about its certificates
            if crl.get_revoked_certificate_by_serial_number(child.serial_number) is not None:
                raise DomainError(ErrorCode.CERTIFICATE_REVOKED, "证书已被吊销", "certificate")
            next_update = crl.next_update_utc
            current = current or (next_update is not None and crl.last_update_utc - CRL_CLOCK_SKEW <= at < next_update)
        if self.require_revocation and not current:
            raise DomainError(
                ErrorCode.CERTIFICATE_REVOCATION_UNKNOWN, "暂时无法确认证书是否已被吊销，请稍后再试", "certificate"
            )

    def verify_possession(self, leaf: x509.Certificate, challenge: str, signature: str) -> None:
        """The base64 ``signature`` must be the certificate key's signature over the UTF-8 challenge text, the key
        having passed check_key (RSA: PKCS#1 v1.5 with SHA-256; ECDSA: SHA-256, DER-encoded; SM2: SM2-with-SM3,
        DER or raw r || s)."""
        invalid = DomainError(ErrorCode.SIGNATURE_INVALID, "签名验证失败", "signature")
        try:
            raw = base64.b64decode((signature or "").strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise invalid from error
        if not raw or len(raw) > 2048:
            raise invalid
        data = challenge.encode()
        point = sm2.public_key_of(leaf)
        if point is not None:
            if not sm2.verify(point, raw, data):
                raise invalid
            return
        key = leaf.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(raw, data, ec.ECDSA(hashes.SHA256()))
            else:
                raise untrusted("不支持的证书密钥类型")
        except (InvalidSignature, ValueError) as error:
            raise invalid from error
