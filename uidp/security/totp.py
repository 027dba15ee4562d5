"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), the staff second factor.

Staff use SHA-1, 6 digits and 30-second steps, which every authenticator app understands. A code is accepted
for the current step and one step either side (clock drift); the caller remembers the last step used so a code
cannot be replayed, not even inside its own window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

__all__ = ["STEP_SECONDS", "b32", "b32decode", "hotp", "new_secret", "otpauth_uri", "step_of", "totp", "verify"]

STEP_SECONDS = 30
DIGITS = 6
_DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def new_secret(nbytes: int = 20) -> bytes:
    """A random shared secret; 20 bytes (160 bits) as RFC 4226 recommends for SHA-1."""
    return secrets.token_bytes(nbytes)


def b32(secret: bytes) -> str:
    """The secret as authenticator apps take it: base32 without padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def b32decode(text: str) -> bytes:
    """Inverse of :func:`b32` (padding restored, case and spaces ignored)."""
    cleaned = text.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(secret: bytes, counter: int, digits: int = DIGITS, algorithm: str = "SHA1") -> str:
    """RFC 4226: HMAC over the 8-byte big-endian counter, dynamic truncation, ``digits`` decimal digits."""
    mac = hmac.new(secret, struct.pack(">Q", counter), _DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def step_of(at: datetime | float, step_seconds: int = STEP_SECONDS) -> int:
    """The RFC 6238 time step T = floor(unix time / X), with T0 = 0."""
    seconds = at.timestamp() if isinstance(at, datetime) else at
    return int(seconds // step_seconds)


def totp(
    secret: bytes, at: datetime | float, digits: int = DIGITS, algorithm: str = "SHA1", step_seconds: int = STEP_SECONDS
) -> str:
    """The code for the moment ``at``."""
    return hotp(secret, step_of(at, step_seconds), digits, algorithm)


def verify(
    secret: bytes, code: str, at: datetime | float, *, window: int = 1, after_step: int | None = None
) -> int | None:
    """The step ``code`` belongs to (current step +- ``window``), or None.

    Steps at or before ``after_step`` (the last one used) are refused, so a code works once.
    """
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_of(at)
    found = None
    for step in range(now - window, now + window + 1):
        # compare every candidate: the time taken does not tell which step matched
        if hmac.compare_digest(hotp(secret, step), code) and (after_step is None or step > after_step):
            found = step if found is None else max(found, step)
    return found


def otpauth_uri(secret: bytes, account: str, issuer: str) -> str:
    """The Key URI authenticator apps scan: otpauth://totp/Issuer:account?secret=...&issuer=..."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {"secret": b32(secret), "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
