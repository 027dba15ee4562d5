"""SM2 (GB/T 32918) with SM3: public keys from certificates and signature checks, through ``gmssl``.

Used by the CA plugin (certificates, CRLs, possession proofs) and by the signed partner callbacks
(``uidp.security.partner_callbacks``); plugins reach it as ``uidp.plugin_api.sm2``. cryptography cannot load
SM2 keys, so the key is read from the certificate's SubjectPublicKeyInfo with a small DER reader. gmssl fixes
the signer id to ``1234567812345678``, so the SM3 digest (Z of the signer id and key, then the message) is
computed here and gmssl only does the curve arithmetic. gmssl neither range-checks r and s nor checks that the
key is on the curve; both are done here first.
"""

from __future__ import annotations

import secrets

from cryptography import x509
from gmssl import sm2 as gm
from gmssl import sm3 as gm_sm3

DEFAULT_USER_ID = b"1234567812345678"  # GM/T 0009's default signer id
SM2_CURVE = "1.2.156.10197.1.301"
SM2_WITH_SM3 = x509.ObjectIdentifier("1.2.156.10197.1.501")
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_TABLE = gm.default_ecc_table
N = int(_TABLE["n"], 16)
P = int(_TABLE["p"], 16)
A = int(_TABLE["a"], 16)
B = int(_TABLE["b"], 16)


class DerError(ValueError):
    pass


def read_tlv(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """(tag, content, offset after) of the DER element at ``at``."""
    if at + 2 > len(data):
        raise DerError("truncated")
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise DerError("bad length")
        length, at = int.from_bytes(data[at : at + count], "big"), at + count
    if at + length > len(data):
        raise DerError("truncated")
    return tag, data[at : at + length], at + length


def children(content: bytes) -> list[tuple[int, bytes]]:
    items, at = [], 0
    while at < len(content):
        tag, value, at = read_tlv(content, at)
        items.append((tag, value))
    return items


def decode_oid(content: bytes) -> str:
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        raise DerError("empty OID")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def public_key_of(certificate: x509.Certificate) -> bytes | None:
    """The 64-byte SM2 point (x || y) of an SM2 certificate, or None for any other key type."""
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        _, cert, _ = read_tlv(certificate.public_bytes(Encoding.DER))
        _, tbs, _ = read_tlv(cert)
        fields = children(tbs)
        if fields and fields[0][0] == 0xA0:  # [0] version
            fields = fields[1:]
        spki = children(fields[5][1])
        algorithm = children(spki[0][1])
        if decode_oid(algorithm[0][1]) != EC_PUBLIC_KEY or len(algorithm) < 2 or algorithm[1][0] != 0x06:
            return None
        if decode_oid(algorithm[1][1]) != SM2_CURVE:
            return None
        bits = spki[1][1]
    except (DerError, IndexError):
        return None
    if len(bits) != 66 or bits[0] != 0 or bits[1] != 0x04:
        return None
    point = bits[2:]
    return point if on_curve(point) else None


def on_curve(point: bytes) -> bool:
    x, y = int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big")
    return x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def split_signature(signature: bytes) -> tuple[int, int] | None:
    """r and s from DER ``SEQUENCE { r, s }`` or raw 64-byte r || s; None if malformed or out of range."""
    try:
        if len(signature) == 64:
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        else:
            tag, content, end = read_tlv(signature)
            items = children(content)
            if tag != 0x30 or end != len(signature) or len(items) != 2 or any(t != 0x02 for t, _ in items):
                return None
            r, s = (int.from_bytes(v, "big", signed=True) for _, v in items)
    except DerError:
        return None
    if not (1 <= r < N and 1 <= s < N):
        return None
    return r, s


def _crypt(point: bytes, private_key: str = "") -> gm.CryptSM2:
    crypt = gm.CryptSM2(private_key=private_key, public_key="")
    crypt.public_key = point.hex()  # set directly: the constructor's lstrip("04") corrupts some keys
    return crypt


def _sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(list(data)))


def digest(point: bytes, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """e = SM3(Z || data), Z = SM3(ENTL || user id || a || b || G || public key) (GB/T 32918.2)."""
    if len(user_id) >= 8192:
        raise ValueError("SM2 user id too long")
    curve = bytes.fromhex(_TABLE["a"] + _TABLE["b"] + _TABLE["g"])
    z = _sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + curve + point)
    return _sm3(z + data)


def verify(point: bytes, signature: bytes, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> bool:
    """Whether ``signature`` is the SM2-with-SM3 signature of ``data`` by ``point`` under the signer id."""
    parts = split_signature(signature)
    if parts is None or len(point) != 64 or not on_curve(point):
        return False
    return bool(_crypt(point).verify(f"{parts[0]:064x}{parts[1]:064x}", digest(point, data, user_id)))


def public_point(private_hex: str) -> bytes:
    crypt = gm.CryptSM2(private_key=private_hex, public_key="")
    return bytes.fromhex(crypt._kg(int(private_hex, 16), _TABLE["g"]))


def sign(private_hex: str, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """DER ``SEQUENCE { r, s }`` SM2-with-SM3 signature (the signer's side: ``uidp ca sign --sm2``, the sandbox
    partners, tests)."""
    point = public_point(private_hex)
    crypt = _crypt(point, private_hex)
    e = digest(point, data, user_id)
    while True:
        raw = crypt.sign(e, secrets.token_hex(32))
        if raw:
            r, s = int(raw[:64], 16), int(raw[64:], 16)
            return _der_seq(_der_int(r) + _der_int(s))


def new_private_key() -> str:
    return f"{secrets.randbelow(N - 2) + 1:064x}"


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_int(n: int) -> bytes:
    raw = n.to_bytes(n.bit_length() // 8 + 1, "big")
    return b"\x02" + _der_len(len(raw)) + raw


def _der_seq(content: bytes) -> bytes:
    return b"\x30" + _der_len(len(content)) + content
