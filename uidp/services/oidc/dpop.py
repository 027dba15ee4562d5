"""DPoP proofs (RFC 9449): the client proves, request by request, that it holds the private key its tokens are
bound to. :meth:`DpopProofs.verify` runs the checks of RFC 9449 §4.3 and answers the proof key's RFC 7638
thumbprint (what ``dpop_jkt`` and an access token's ``cnf.jkt`` name).

Server nonces (RFC 9449 §8) are stateless across workers: the nonce of a time window is a keyed digest of the
window's number under the secret key, so every worker computes the same one without asking anybody; the
current and the previous window's nonces are accepted, anything else answers ``use_dpop_nonce`` with a fresh
``DPoP-Nonce``. A proof's ``jti`` is spent atomically in the store, so a replayed proof fails on every worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from joserfc import jwk, jws
from joserfc.errors import JoseError

from uidp.domain.oidc import OAuthError
from uidp.runtime import Runtime
from uidp.security.tokens import digest_secret, token_digest
from uidp.services.oidc.client_keys import PRIVATE_MEMBERS, fits, load_key
from uidp.services.oidc.problems import OAuthProblem

__all__ = ["DPOP_ALGS", "DpopProofs", "access_token_hash", "normalise_htu", "single_proof"]

DPOP_ALGS: Final = ("ES256", "PS256")  # FAPI 2.0 Security Profile §5.4.1
PROOF_TYP: Final = "dpop+jwt"
IAT_PAST_SECONDS: Final = 60  # how old a proof may be (plus UIDP_OIDC_CLOCK_SKEW_SECONDS either way)
NONCE_WINDOW_SECONDS: Final = 300  # a nonce is accepted for 5 to 10 minutes
MAX_PROOF_CHARS: Final = 4096  # an RSA-4096 key in the header still fits
MAX_JTI_CHARS: Final = 256
_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_HEADER_MEMBERS: Final = frozenset({"typ", "alg", "jwk"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

# joserfc's default registry caps the header at 512 bytes; a proof's header carries the whole public key.
_REGISTRY = jws.JWSRegistry(algorithms=list(DPOP_ALGS))
_REGISTRY.max_header_length = 2048


def _invalid(description: str) -> OAuthProblem:
    return OAuthProblem(OAuthError.INVALID_DPOP_PROOF, description)


def single_proof(values: Sequence[str]) -> str | None:
    """The one ``DPoP`` header of a request (``request.headers.getlist("dpop")``), None when there is none;
    more than one is refused (RFC 9449 §4.3, check 1)."""
    if len(values) > 1:
        raise _invalid("more than one DPoP header")
    return values[0] if values else None


def access_token_hash(access_token: str) -> str:
    """The ``ath`` of a proof sent with ``access_token``: base64url of its SHA-256, unpadded (RFC 9449 §4.2)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def normalise_htu(url: str) -> str | None:
    """``url`` without query and fragment, with RFC 3986 §6.2.2-6.2.3 normalisation (scheme and host in lower
    case, no default port, an empty path as ``/``); None when it is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), parts.path) or "/"
    return urlunsplit((scheme, netloc, path, "", ""))


class DpopProofs:
    """Check DPoP proofs and hand out server nonces."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def nonce(self) -> str:
        """The current server nonce; endpoints send it as ``DPoP-Nonce``."""
        return self._nonce_of(self._window())

    def _window(self) -> int:
        return int(self.rt.clock.now().timestamp()) // NONCE_WINDOW_SECONDS

    def _nonce_of(self, window: int) -> str:
        return digest_secret(self.rt.secret_key, "oidc:dpop-nonce", str(window))[:32]

    async def _nonce_required(self, description: str) -> OAuthProblem:
        return OAuthProblem(OAuthError.USE_DPOP_NONCE, description, headers={"DPoP-Nonce": await self.nonce()})

    async def verify(
        self,
        proof: str | None,
        *,
        method: str,
        url: str,
        access_token: str | None = None,
        jkt: str | None = None,
    ) -> str:
        """Check the DPoP ``proof`` of a ``method`` request to ``url`` (issuer + path); its key's thumbprint.

        ``access_token``: the proof must carry its ``ath`` (a protected resource); ``jkt``: the proof must be
        made with that key (a bound token, a code bound at PAR). Raises :class:`OAuthProblem`:
        ``invalid_dpop_proof``, or ``use_dpop_nonce`` with a fresh ``DPoP-Nonce`` header. The proof's ``jti``
        is spent only when every check passed.
        """
        if not proof:
            raise _invalid("DPoP proof required")
        if len(proof) > MAX_PROOF_CHARS or not _COMPACT.fullmatch(proof):
            raise _invalid("DPoP proof is not a compact JWS")
        try:
            obj = jws.extract_compact(proof.encode("ascii"), registry=_REGISTRY)
        except (JoseError, ValueError, TypeError):
            raise _invalid("DPoP proof is not a compact JWS") from None
        header = obj.headers()
        key, alg = self._proof_key(header)
        try:
            valid = jws.validate_compact(obj, key, algorithms=[alg], registry=_REGISTRY)
        except (JoseError, ValueError, TypeError):
            valid = False
        if not valid:
            raise _invalid("DPoP proof signature does not verify with its jwk")
        claims = _claims(obj.payload)
        self._check_request(claims, method, url)
        await self._check_nonce(claims)
        self._check_iat(claims)
        if access_token is not None and not _same(claims.get("ath"), access_token_hash(access_token)):
            raise _invalid("DPoP proof ath does not match the access token")
        thumbprint = key.thumbprint()
        if jkt is not None and not _same(thumbprint, jkt):
            raise _invalid("DPoP proof key is not the key the token is bound to")
        spent = token_digest(f"{thumbprint}\x00{claims['jti']}")
        lifetime = IAT_PAST_SECONDS + 2 * self.rt.settings.oidc_clock_skew_seconds  # as long as it could pass
        if not await self.rt.store.set_if_absent(f"oidc:dpop:jti:{spent}", "1", lifetime):
            raise _invalid("DPoP proof replayed (jti already used)")
        return thumbprint

    def _proof_key(self, header: dict[str, Any]) -> tuple[jwk.Key, str]:
        typ, alg, public = header.get("typ"), header.get("alg"), header.get("jwk")
        if not isinstance(typ, str) or typ.lower() != PROOF_TYP:
            raise _invalid("DPoP proof typ must be dpop+jwt")
        if alg not in DPOP_ALGS:
            raise _invalid("DPoP proof alg must be ES256 or PS256")
        if set(header) - _HEADER_MEMBERS:
            raise _invalid("DPoP proof header has members other than typ, alg and jwk")
        if not isinstance(public, dict):
            raise _invalid("DPoP proof header has no jwk")
        if PRIVATE_MEMBERS & public.keys():
            raise _invalid("DPoP proof jwk holds a private key")
        key = load_key(public)
        if key is None:
            raise _invalid("DPoP proof jwk is not a valid key")
        if not fits(key, alg):
            raise _invalid("DPoP proof jwk does not fit its alg")
        return key, alg

    def _check_request(self, claims: dict[str, Any], method: str, url: str) -> None:
        if claims.get("htm") != method:
            raise _invalid("DPoP proof htm does not match the request method")
        htu, expected = claims.get("htu"), normalise_htu(url)
        if not isinstance(htu, str) or expected is None or normalise_htu(htu) != expected:
            raise _invalid("DPoP proof htu does not match the request URL")

    async def _check_nonce(self, claims: dict[str, Any]) -> None:
        nonce = claims.get("nonce")
        if nonce is None:
            raise await self._nonce_required("DPoP proof needs the server's nonce")
        window = self._window()
        if not isinstance(nonce, str) or not any(_same(nonce, self._nonce_of(w)) for w in (window, window - 1)):
            raise await self._nonce_required("DPoP proof nonce is stale or unknown")

    def _check_iat(self, claims: dict[str, Any]) -> None:
        iat = claims.get("iat")
        if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
            raise _invalid("DPoP proof has no numeric iat")
        now, skew = self.rt.clock.now().timestamp(), self.rt.settings.oidc_clock_skew_seconds
        if iat < now - IAT_PAST_SECONDS - skew or iat > now + skew:
            raise _invalid("DPoP proof iat is outside the accepted window")


def _claims(payload: bytes | None) -> dict[str, Any]:
    try:
        claims = json.loads(payload or b"")
    except ValueError:
        raise _invalid("DPoP proof payload is not JSON") from None
    if not isinstance(claims, dict):
        raise _invalid("DPoP proof payload is not a JSON object")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
        raise _invalid("DPoP proof has no usable jti")
    return claims


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
