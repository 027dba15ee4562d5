"""A connected system's public keys, for its ``private_key_jwt`` assertions: the key set registered with the
client (``OidcClient.jwks``), or the JWKS published at its ``jwks_uri``.

A fetched set is cached per worker for :data:`CACHE_SECONDS`; an assertion naming a ``kid`` the cached set does
not have (the client rotated its keys) refetches it, at most once every :data:`REFETCH_SECONDS`, so a stream of
made-up ``kid``\\s cannot turn the provider into a load generator against the client. Fetching is httpx with a
short timeout, no redirects and a size cap; outside the dev profile the URI must be https.

Only public signing keys of the two FAPI 2.0 algorithms are kept: EC P-256 (ES256) and RSA of at least 2048
bits (PS256). A set that carries a private key is refused whole: its owner published a secret.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from dataclasses import dataclass
from typing import Any, Final

import httpx
from joserfc import jwk
from joserfc.errors import JoseError, SecurityWarning

from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime

__all__ = [
    "CACHE_SECONDS",
    "MAX_JWKS_BYTES",
    "PRIVATE_MEMBERS",
    "REFETCH_SECONDS",
    "SIGNING_ALGS",
    "ClientKeyError",
    "ClientKeys",
    "fits",
    "load_key",
    "public_signing_keys",
]

SIGNING_ALGS: Final = ("PS256", "ES256")  # FAPI 2.0 Security Profile §5.4.1
CACHE_SECONDS: Final = 300
REFETCH_SECONDS: Final = 60
FETCH_TIMEOUT_SECONDS: Final = 3.0
MAX_JWKS_BYTES: Final = 64 * 1024
MIN_RSA_BITS: Final = 2048
PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class ClientKeyError(Exception):
    """The client's keys cannot be had or hold no key for this assertion; the message says why (no secrets)."""


@dataclass
class _Fetched:
    keys: list[jwk.Key]
    fetched_at: float  # clock seconds of the last successful fetch
    tried_at: float  # clock seconds of the last attempt, successful or not


# Per worker: (OidcClient.id, jwks_uri) -> what was fetched. Each worker fetches on its own; a key a client adds
# reaches every worker within REFETCH_SECONDS of the first assertion that names it.
_FETCHED: dict[tuple[str, str], _Fetched] = {}
_LOCKS: dict[tuple[str, str], asyncio.Lock] = {}


def public_signing_keys(data: Any) -> list[jwk.Key]:
    """The usable keys of a JWKS document: public, for signing, ES256 (P-256) or PS256 (RSA >= 2048 bits).

    Keys of other types or uses are passed over (RFC 7517 §5); a key with private members, or a document that
    is not a JWKS, raises :class:`ClientKeyError`.
    """
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ClientKeyError("the client's key set is not a JWKS")
    keys: list[jwk.Key] = []
    for entry in data["keys"]:
        if not isinstance(entry, dict):
            raise ClientKeyError("the client's key set holds a member that is not a JWK")
        if PRIVATE_MEMBERS & entry.keys():
            raise ClientKeyError("the client's key set holds a private key")
        if entry.get("use", "sig") != "sig" or entry.get("alg", "ES256") not in SIGNING_ALGS:
            continue
        key = load_key(entry)
        if key is not None and _usable(key):
            keys.append(key)
    return keys


def load_key(data: dict[str, Any]) -> jwk.Key | None:
    """The JWK ``data`` as a joserfc key, None when it is not one. joserfc's warning about a short RSA key is
    silenced: :func:`fits` refuses such keys anyway."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        try:
            return jwk.import_key(data)
        except (JoseError, ValueError, TypeError):
            return None


def _usable(key: jwk.Key) -> bool:
    return any(fits(key, alg) for alg in SIGNING_ALGS)


def fits(key: jwk.Key, alg: str) -> bool:
    """True when ``key`` is a public key that may check an ``alg`` signature: ES256 an EC P-256 key, PS256 an RSA
    key of at least 2048 bits; a key that names its own ``alg`` only that one."""
    if key.is_private or key.get("alg") not in (None, alg):
        return False
    if alg == "ES256":
        return isinstance(key, jwk.ECKey) and key.get("crv") == "P-256"
    return alg == "PS256" and isinstance(key, jwk.RSAKey) and key.raw_value.key_size >= MIN_RSA_BITS


class ClientKeys:
    """The public keys of connected systems, as a ``private_key_jwt`` check needs them."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def key_for(self, client: OidcClient, kid: str | None, alg: str) -> jwk.Key:
        """The client's key that checks an ``alg`` signature with ``kid`` (no ``kid``: its only such key).

        A ``kid`` the fetched set lacks refetches the client's ``jwks_uri`` (at most once a minute); raises
        :class:`ClientKeyError` when there is no such key or the set cannot be had.
        """
        found = _pick(await self.keys_of(client), kid, alg)
        if found is None and client.jwks is None and client.jwks_uri and kid is not None:
            found = _pick(await self._fetched(client, client.jwks_uri, refresh=True), kid, alg)
        if found is None:
            raise ClientKeyError("no key of the client matches the assertion's kid and alg")
        return found

    async def keys_of(self, client: OidcClient) -> list[jwk.Key]:
        """The client's usable public signing keys: its registered ``jwks``, else its ``jwks_uri``'s (cached)."""
        if client.jwks is not None:
            return public_signing_keys(client.jwks)
        if client.jwks_uri:
            return await self._fetched(client, client.jwks_uri, refresh=False)
        raise ClientKeyError("the client has no registered keys")

    async def _fetched(self, client: OidcClient, uri: str, *, refresh: bool) -> list[jwk.Key]:
        cache_key = (str(client.id), uri)
        lock = _LOCKS.setdefault(cache_key, asyncio.Lock())
        async with lock:  # one fetch at a time per client and URI; the waiters use its result
            now = self.rt.clock.now().timestamp()
            entry = _FETCHED.get(cache_key)
            fresh = entry is not None and entry.fetched_at > 0 and now - entry.fetched_at < CACHE_SECONDS
            if entry is not None and fresh and not refresh:
                return entry.keys
            if entry is not None and now - entry.tried_at < REFETCH_SECONDS:
                if fresh:
                    return entry.keys  # asked again too soon: what the last fetch gave
                raise ClientKeyError("the client's jwks_uri failed a moment ago; not asked again yet")
            try:
                keys = await self._fetch(uri)
            except ClientKeyError:
                _FETCHED[cache_key] = _Fetched(entry.keys if entry else [], entry.fetched_at if entry else 0.0, now)
                raise
            _FETCHED[cache_key] = _Fetched(keys, now, now)
            return keys

    async def _fetch(self, uri: str) -> list[jwk.Key]:
        if self.rt.settings.is_production and not uri.startswith("https://"):
            raise ClientKeyError("the client's jwks_uri is not https")
        if not uri.startswith(("https://", "http://")):
            raise ClientKeyError("the client's jwks_uri is not an http(s) URL")
        headers = {"Accept": "application/jwk-set+json, application/json"}
        try:
            async with (
                httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as http,
                http.stream("GET", uri, headers=headers) as response,
            ):
                if response.status_code != 200:
                    raise ClientKeyError(f"the client's jwks_uri answered HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise ClientKeyError("the client's JWKS is larger than the provider accepts")
        except httpx.HTTPError as error:
            raise ClientKeyError(f"the client's jwks_uri is unreachable ({type(error).__name__})") from None
        try:
            data = json.loads(bytes(body))
        except ValueError:
            raise ClientKeyError("the client's jwks_uri did not answer JSON") from None
        return public_signing_keys(data)


def _pick(keys: list[jwk.Key], kid: str | None, alg: str) -> jwk.Key | None:
    candidates = [key for key in keys if fits(key, alg)]
    if kid is None:
        return candidates[0] if len(candidates) == 1 else None
    return next((key for key in candidates if key.kid == kid), None)
