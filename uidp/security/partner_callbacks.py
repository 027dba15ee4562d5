"""Signed partner callbacks: the one verifier every scan channel's callback route uses (ehuiban, esscard,
elicense; docs/decisions.md #130-#133, docs/plugins.md "Signed partner callbacks").

A callback is a flat JSON object of string fields. The partner signs the canonical form: every field except
``sign``, sorted by name (code point order), written ``name=value`` and joined with ``&``, UTF-8. No value may
hold ``&``, ``=`` or a control character, so the form is unambiguous. The algorithm is the partner's setting,
never the message's: ``RSA`` is SHA256withRSA (PKCS#1 v1.5, keys of at least 2048 bits), ``SM2`` is SM2 with
SM3 and the configured signer id (``uidp.security.sm2``). ``sign`` is base64.

The checks run in this order, each refusing with a typed error and nothing changed: the shape (field count,
lengths, characters, the required fields), the partner id (unknown -> UNKNOWN_PARTNER), the time
(``timestamp``, Unix seconds, outside the window either way -> CALLBACK_STALE), the signature
(SIGNATURE_INVALID), then the nonce, claimed atomically in the store before the message may cause anything (a
second message with it -> CALLBACK_REPLAYED: of concurrent copies exactly one goes on). A forgery never
reaches the store, so it cannot spend a genuine message's nonce. The nonce is kept for twice the window, so a
message old enough to have lost its nonce is stale anyway.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from uidp.clock import Clock
from uidp.domain.errors import DomainError, ErrorCode
from uidp.security import sm2
from uidp.store.base import Store

SIGN = "sign"
PARTNER = "partner_id"
TIMESTAMP = "timestamp"
NONCE = "nonce"
ENVELOPE = (PARTNER, TIMESTAMP, NONCE, SIGN)
MAX_FIELDS = 24
MAX_VALUE = 512
MAX_SIGNATURE = 1024  # base64 of an RSA-4096 signature is 684 characters
MIN_RSA_BITS = 2048
DEFAULT_WINDOW_SECONDS = 300
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_PARTNER_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_FORBIDDEN = re.compile(r"[&=\x00-\x1f\x7f\ud800-\udfff]")


class SignAlgorithm(StrEnum):
    """How a partner signs (its setting, not the message's)."""

    RSA = "RSA"  # SHA256withRSA, PKCS#1 v1.5
    SM2 = "SM2"  # SM2 with SM3 and the partner's signer id


@dataclass(frozen=True)
class PartnerKey:
    """One partner's id and public key. ``key`` is the RSA public key (PEM or DER SubjectPublicKeyInfo) or the
    SM2 point (x || y, 64 bytes); build it with :meth:`load`."""

    partner_id: str
    algorithm: SignAlgorithm
    key: bytes
    user_id: bytes = sm2.DEFAULT_USER_ID

    @classmethod
    def load(cls, partner_id: str, algorithm: str, public_key: str, user_id: str = "") -> PartnerKey:
        """Check and load a configured key; ValueError says what is wrong with it.

        RSA: a PEM public key (``-----BEGIN PUBLIC KEY-----``). SM2: the point in hex, 128 characters
        (x || y) or 130 with the ``04`` prefix.
        """
        if not _PARTNER_ID.fullmatch(partner_id):
            raise ValueError("the partner id must be 1-64 letters, digits, '.', '_' or '-'")
        try:
            kind = SignAlgorithm(algorithm.strip().upper())
        except ValueError:
            raise ValueError("the signature algorithm must be RSA or SM2") from None
        uid = (user_id or sm2.DEFAULT_USER_ID.decode()).encode()
        if kind is SignAlgorithm.RSA:
            try:
                loaded = serialization.load_pem_public_key(public_key.strip().encode())
            except (ValueError, UnsupportedAlgorithm):
                raise ValueError("the RSA public key is not a PEM public key") from None
            if not isinstance(loaded, rsa.RSAPublicKey) or loaded.key_size < MIN_RSA_BITS:
                raise ValueError(f"the RSA public key must be RSA of at least {MIN_RSA_BITS} bits")
            der = loaded.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            return cls(partner_id, kind, der, uid)
        text = public_key.strip().lower()
        if len(text) == 130 and text.startswith("04"):
            text = text[2:]
        try:
            point = bytes.fromhex(text)
        except ValueError:
            point = b""
        if len(point) != 64 or not sm2.on_curve(point):
            raise ValueError("the SM2 public key must be a point on the SM2 curve, in hex (x || y)")
        return cls(partner_id, kind, point, uid)

    def verifies(self, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this partner's signature of ``data``."""
        if self.algorithm is SignAlgorithm.SM2:
            return sm2.verify(self.key, signature, data, self.user_id)
        public = serialization.load_der_public_key(self.key)
        assert isinstance(public, rsa.RSAPublicKey)
        try:
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignedCallback:
    """A callback whose signature, time and nonce were verified: ``fields`` are all but the envelope."""

    partner_id: str
    at: datetime
    nonce: str
    fields: Mapping[str, str] = field(default_factory=dict)


def canonical(fields: Mapping[str, str]) -> bytes:
    """The bytes a partner signs: every field but ``sign``, sorted, ``name=value`` joined with ``&``."""
    return "&".join(f"{name}={fields[name]}" for name in sorted(fields) if name != SIGN).encode()


def sign_rsa(private_pem: bytes, fields: Mapping[str, str]) -> str:
    """The partner's side for RSA (the sandbox partners, tests): base64 SHA256withRSA of the canonical form."""
    # the signer's own key (a sandbox partner's, a test's): its ~40 ms consistency check buys nothing here
    key = serialization.load_pem_private_key(private_pem, password=None, unsafe_skip_rsa_key_validation=True)
    assert isinstance(key, rsa.RSAPrivateKey)
    return base64.b64encode(key.sign(canonical(fields), padding.PKCS1v15(), hashes.SHA256())).decode()


def sign_sm2(private_hex: str, fields: Mapping[str, str], user_id: bytes = sm2.DEFAULT_USER_ID) -> str:
    """The partner's side for SM2: base64 DER SM2-with-SM3 signature of the canonical form."""
    return base64.b64encode(sm2.sign(private_hex, canonical(fields), user_id)).decode()


def refused(code: ErrorCode, message: str, reason: str) -> DomainError:
    """A refused callback: ``reason`` is the audit's word for it (no field: a partner, not a form, sent it)."""
    return DomainError(code, message, None, reason=reason)


def _malformed(what: str) -> DomainError:
    return refused(ErrorCode.INVALID_FORMAT, "回调报文格式不正确", f"malformed:{what}")


def check_shape(message: object, required: Sequence[str]) -> dict[str, str]:
    """The message as string fields, or INVALID_FORMAT / REQUIRED before anything is looked up."""
    if not isinstance(message, Mapping):
        raise _malformed("not_an_object")
    if len(message) > MAX_FIELDS:
        raise _malformed("too_many_fields")
    fields: dict[str, str] = {}
    for name, value in message.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise _malformed("field_name")
        if not isinstance(value, str):
            raise _malformed(name)
        if name == SIGN:  # base64, not signed itself: may end in "="
            if len(value) > MAX_SIGNATURE or not _BASE64.fullmatch(value):
                raise _malformed(name)
        elif len(value) > MAX_VALUE or _FORBIDDEN.search(value):
            raise _malformed(name)
        fields[name] = value
    for name in (*ENVELOPE, *required):
        if not fields.get(name):
            raise refused(ErrorCode.REQUIRED, "回调报文缺少必填字段", f"missing:{name}")
    if not _NONCE.fullmatch(fields[NONCE]):
        raise _malformed(NONCE)
    if not re.fullmatch(r"[0-9]{1,12}", fields[TIMESTAMP]):
        raise _malformed(TIMESTAMP)
    return fields


async def _verified(partner: PartnerKey, data: bytes, signature: bytes) -> bool:
    """RSA inline (about 0.05 ms); SM2 in a worker thread: gmssl is pure Python, about 20 ms a check here,
    which would stall every other request of the worker's event loop."""
    if partner.algorithm is SignAlgorithm.SM2:
        return await asyncio.to_thread(partner.verifies, data, signature)
    return partner.verifies(data, signature)


class CallbackVerifier:
    """Verifies the signed callbacks of one channel against its partners' keys."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def verify(
        self,
        channel: str,
        partners: Mapping[str, PartnerKey],
        message: object,
        *,
        required: Sequence[str] = (),
        window_seconds: int = DEFAULT_WINDOW_SECONDS,
    ) -> SignedCallback:
        """The verified callback, or a DomainError (``details["reason"]`` for the audit); only a verified
        message's nonce is ever kept."""
        fields = check_shape(message, required)
        partner = partners.get(fields[PARTNER])
        if partner is None:
            raise refused(ErrorCode.UNKNOWN_PARTNER, "未知的合作方", "unknown_partner")
        at = datetime.fromtimestamp(int(fields[TIMESTAMP]), UTC)
        if abs((self.clock.now() - at).total_seconds()) > window_seconds:
            raise refused(ErrorCode.CALLBACK_STALE, "回调报文已过期，请重新扫码", "stale")
        try:
            signature = base64.b64decode(fields[SIGN], validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        if not signature or not await _verified(partner, canonical(fields), signature):
            raise refused(ErrorCode.SIGNATURE_INVALID, "回调报文签名无效", "signature")
        nonce_key = f"callback-nonce:{channel}:{partner.partner_id}:{fields[NONCE]}"
        if not await self.store.set_if_absent(nonce_key, "1", ttl=2 * window_seconds):
            raise refused(ErrorCode.CALLBACK_REPLAYED, "回调报文重复提交", "replayed")
        rest = {name: value for name, value in fields.items() if name not in ENVELOPE}
        return SignedCallback(partner.partner_id, at, fields[NONCE], rest)
