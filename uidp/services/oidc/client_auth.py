"""Client authentication at the token, PAR, revocation and introspection endpoints (RFC 6749 §2.3).

A connected system authenticates with exactly the method its profile registers it for:

- ``fapi2``: ``private_key_jwt`` (RFC 7523 §2.2, FAPI 2.0 Security Profile §5.3.2.1): a JWT signed with one of
  its keys (:mod:`uidp.services.oidc.client_keys`), ``iss`` = ``sub`` = its client_id, ``aud`` exactly the
  issuer identifier, ``exp`` required and at most :data:`MAX_ASSERTION_SECONDS` ahead, ``jti`` spent once;
- ``basic``: ``client_secret_basic`` (RFC 6749 §2.3.1): the form-urlencoded client_id and secret inside HTTP
  Basic, the secret's digest compared in constant time.

Anything else (two methods at once, ``client_secret_post``, no authentication, an unknown or disabled client)
is ``invalid_client`` (401; ``WWW-Authenticate: Basic`` when Basic was tried), and the refusal is audited with
the reason and never the credential.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import unquote_plus

from joserfc import jws
from joserfc.errors import JoseError

from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.security.tokens import token_digest
from uidp.services.oidc.client_keys import SIGNING_ALGS, ClientKeyError, ClientKeys
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo

__all__ = ["ASSERTION_TYPE", "MAX_ASSERTION_SECONDS", "authenticate_client"]

ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_SECONDS: Final = 300  # exp at most 5 minutes ahead: an assertion is made for one request
MAX_ASSERTION_CHARS: Final = 8192
MAX_CLIENT_ID_CHARS: Final = 64  # OidcClient.client_id
MAX_SECRET_CHARS: Final = 256
MAX_JTI_CHARS: Final = 256
ASSERTION_TYPS: Final = ("jwt", "client-authentication+jwt")
BASIC_CHALLENGE: Final = {"WWW-Authenticate": 'Basic realm="uidp", charset="UTF-8"'}
_VSCHAR: Final = re.compile(r"[\x20-\x7e]+")  # RFC 6749 Appendix A: client_id and client_secret
_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_REGISTRY: Final = jws.JWSRegistry(algorithms=list(SIGNING_ALGS))
_NO_SECRET: Final = token_digest("uidp: no client has this secret")  # compared against for unknown clients


async def authenticate_client(
    rt: Runtime,
    form: Mapping[str, str],
    authorization: str | None,
    *,
    client: ClientInfo | None = None,
) -> OidcClient:
    """The connected system a token-style request comes from, authenticated by ``form`` (the request's form
    parameters, each given once) and ``authorization`` (its Authorization header), or ``invalid_client``.

    ``client`` (the caller's address) goes into the audit of a refusal.
    """
    return await _Authentication(rt, client).run(form, authorization)


class _Refused(Exception):
    def __init__(self, reason: str, description: str, *, client_id: str | None = None) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description
        self.client_id = client_id


class _Authentication:
    def __init__(self, rt: Runtime, client: ClientInfo | None) -> None:
        self.rt = rt
        self.client = client

    async def run(self, form: Mapping[str, str], authorization: str | None) -> OidcClient:
        basic = authorization is not None
        method = "client_secret_basic" if basic else "private_key_jwt" if _has_assertion(form) else "none"
        try:
            methods = [basic, _has_assertion(form), "client_secret" in form]
            if sum(methods) > 1:
                raise _Refused("several_methods", "use exactly one client authentication method")
            if "client_secret" in form:
                method = "client_secret_post"
                raise _Refused("method", "client_secret_post is not supported; use the client's registered method")
            if authorization is not None:
                return await self._basic(authorization, form)
            if _has_assertion(form):
                return await self._assertion(form)
            raise _Refused("missing", "client authentication required")
        except _Refused as refused:
            await Audit(self.rt).record(
                "oidc.client_auth_refused",
                outcome="failure",
                client=self.client,
                method=method,
                reason=refused.reason,
                client_id=refused.client_id,
            )
            raise OAuthProblem(
                OAuthError.INVALID_CLIENT, refused.description, headers=BASIC_CHALLENGE if basic else None
            ) from None

    async def _client(self, client_id: str, profile: ClientProfile) -> OidcClient:
        row = await registered_client(client_id)
        if row is None:
            raise _Refused("unknown_client", "unknown or disabled client")
        if row.profile != profile.value:
            raise _Refused(
                "wrong_method", "the client is not registered for this authentication method", client_id=row.client_id
            )
        return row

    # ---- client_secret_basic -------------------------------------------------------------------

    async def _basic(self, authorization: str, form: Mapping[str, str]) -> OidcClient:
        client_id, secret = _basic_credentials(authorization)
        if "client_id" in form and form["client_id"] != client_id:
            raise _Refused("client_id_mismatch", "client_id in the body differs from the Basic credentials")
        row = await registered_client(client_id)
        stored = row.secret_digest if row is not None and row.secret_digest else _NO_SECRET
        matches = hmac.compare_digest(token_digest(secret), stored)
        if row is None:
            raise _Refused("unknown_client", "unknown or disabled client")
        if row.profile != ClientProfile.BASIC.value:
            raise _Refused(
                "wrong_method", "the client is not registered for client_secret_basic", client_id=row.client_id
            )
        if not matches:
            raise _Refused("wrong_secret", "client authentication failed", client_id=row.client_id)
        return row

    # ---- private_key_jwt -----------------------------------------------------------------------

    async def _assertion(self, form: Mapping[str, str]) -> OidcClient:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise _Refused("assertion_type", f"client_assertion_type must be {ASSERTION_TYPE}")
        assertion = form.get("client_assertion") or ""
        if len(assertion) > MAX_ASSERTION_CHARS or not _COMPACT.fullmatch(assertion):
            raise _Refused("malformed", "client_assertion is not a compact JWS")
        try:
            obj = jws.extract_compact(assertion.encode("ascii"), registry=_REGISTRY)
        except (JoseError, ValueError, TypeError):
            raise _Refused("malformed", "client_assertion is not a compact JWS") from None
        header = obj.headers()
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if alg not in SIGNING_ALGS:
            raise _Refused("alg", "client_assertion alg must be PS256 or ES256")
        if "b64" in header or "crit" in header:
            raise _Refused("malformed", "client_assertion header has unsupported members")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in ASSERTION_TYPS):
            raise _Refused("typ", "client_assertion typ is not a client authentication JWT")
        if kid is not None and not isinstance(kid, str):
            raise _Refused("malformed", "client_assertion kid must be a string")
        claims = _payload(obj.payload)
        client_id = claims.get("iss")
        if not _is_client_id(client_id):
            raise _Refused("iss", "client_assertion iss must be the client_id")
        assert isinstance(client_id, str)
        if "client_id" in form and form["client_id"] != client_id:
            raise _Refused("client_id_mismatch", "client_id differs from the assertion's iss")
        row = await self._client(client_id, ClientProfile.FAPI2)
        try:
            key = await ClientKeys(self.rt).key_for(row, kid, alg)
        except ClientKeyError as error:
            raise _Refused("key", str(error), client_id=row.client_id) from None
        try:
            valid = jws.validate_compact(obj, key, algorithms=[alg], registry=_REGISTRY)
        except (JoseError, ValueError, TypeError):
            valid = False
        if not valid:
            raise _Refused("signature", "client_assertion signature does not verify", client_id=row.client_id)
        expires = self._check_claims(claims, row)
        await self._spend(claims["jti"], row, expires)
        return row

    def _check_claims(self, claims: dict[str, Any], row: OidcClient) -> float:
        """Everything but the signature and jti's single use; answers ``exp``."""
        now, skew = self.rt.clock.now().timestamp(), self.rt.settings.oidc_clock_skew_seconds

        def refuse(reason: str, description: str) -> _Refused:
            return _Refused(reason, description, client_id=row.client_id)

        if claims.get("sub") != row.client_id:
            raise refuse("sub", "client_assertion sub must be the client_id")
        if claims.get("aud") != self.rt.settings.oidc_issuer:
            raise refuse("aud", "client_assertion aud must be the issuer identifier (a string)")
        exp = claims.get("exp")
        if not _is_time(exp):
            raise refuse("exp", "client_assertion needs a numeric exp")
        assert isinstance(exp, int | float)
        if exp <= now:
            raise refuse("expired", "client_assertion has expired")
        if exp > now + MAX_ASSERTION_SECONDS + skew:
            raise refuse("exp", f"client_assertion exp is more than {MAX_ASSERTION_SECONDS} seconds ahead")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and not _is_time(value):
                raise refuse(name, f"client_assertion {name} must be numeric")
            if value is not None and value > now + skew:
                raise refuse(name, f"client_assertion {name} is in the future")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
            raise refuse("jti", "client_assertion needs a jti")
        return float(exp)

    async def _spend(self, jti: str, row: OidcClient, expires: float) -> None:
        """Spend ``jti`` (atomic across workers) until the assertion could no longer be accepted anyway."""
        ttl = max(1.0, expires - self.rt.clock.now().timestamp())
        key = f"oidc:assertion:jti:{row.id}:{token_digest(jti)}"
        if not await self.rt.store.set_if_absent(key, "1", ttl):
            raise _Refused("replayed", "client_assertion jti was already used", client_id=row.client_id)


async def registered_client(client_id: str) -> OidcClient | None:
    """The enabled client of this client_id, None when there is none.

    ``OidcClients.by_client_id`` (oidc-keys' clients.py) is the one lookup of the provider; it had not landed
    when this did, and the query is this one: swap it in when it lands.
    """
    return await OidcClient.filter(client_id=client_id, disabled_at__isnull=True).first()


def _has_assertion(form: Mapping[str, str]) -> bool:
    return "client_assertion" in form or "client_assertion_type" in form


def _basic_credentials(authorization: str) -> tuple[str, str]:
    """The client_id and secret of ``Basic base64(urlencode(id) ":" urlencode(secret))`` (RFC 6749 §2.3.1)."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise _Refused("scheme", "only the Basic scheme authenticates a client here")
    if not encoded or len(encoded) > 4 * (MAX_CLIENT_ID_CHARS + MAX_SECRET_CHARS):
        raise _Refused("malformed", "malformed Basic credentials")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _Refused("malformed", "malformed Basic credentials") from None
    raw_id, colon, raw_secret = decoded.partition(":")
    client_id, secret = unquote_plus(raw_id, errors="strict"), unquote_plus(raw_secret, errors="strict")
    if not colon or not _is_client_id(client_id) or not _is_secret(secret):
        raise _Refused("malformed", "malformed Basic credentials")
    return client_id, secret


def _is_client_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_CLIENT_ID_CHARS and bool(_VSCHAR.fullmatch(value))


def _is_secret(value: str) -> bool:
    return len(value) <= MAX_SECRET_CHARS and bool(_VSCHAR.fullmatch(value))


def _is_time(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _payload(payload: bytes | None) -> dict[str, Any]:
    try:
        claims = json.loads(payload or b"")
    except ValueError:
        raise _Refused("malformed", "client_assertion payload is not JSON") from None
    if not isinstance(claims, dict):
        raise _Refused("malformed", "client_assertion payload is not a JSON object")
    return claims
