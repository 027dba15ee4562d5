"""The OpenID provider's signing keys (C1): made on first use, rotated by ``uidp keys rotate``, published as
the JWKS, and used to sign and check every token the provider issues (ID tokens, access tokens, logout and
security event tokens).

Each key is an ``OidcSigningKey`` row: the public JWK in clear, the private JWK sealed with the PII cipher
(bound to its row, re-encrypted by ``uidp keys rotate-pii`` like every sealed column), the ``kid`` its RFC 7638
thumbprint. The active key is the newest one not retired. Rotating retires the active key: it stops signing but
stays in the JWKS and keeps verifying until ``drop_after``, when every token it can have signed has expired
(the longest signed-token lifetime, the clock skew allowed to clients and the workers' cache time); the sweep
then deletes it.

Each worker keeps what it read for ``UIDP_OIDC_KEY_CACHE_SECONDS`` (the private key opened once), so signing
and verifying cost no query; a token naming a kid the worker does not know makes it read the table again (at
most once a second), so a key another worker or the command made is found at once. The JWKS is read afresh.
All JOSE work is joserfc's.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key
from joserfc.jws import extract_compact
from tortoise.transactions import in_transaction

from uidp.models.oidc import OidcSigningKey
from uidp.runtime import Runtime
from uidp.services.shared.audit import Audit
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal

#: The sealed column's name (the cipher's context); ``uidp.services.shared.sealed_columns`` lists it.
PRIVATE_COLUMN = "oidc_signing_key.private_jwk"
RSA_BITS = 2048  # FAPI 2.0 §5.4.1: RSA keys of at least 2048 bits
RELOAD_FLOOR_SECONDS = 1.0  # unknown kids re-read the table at most this often per worker

JoseKey = ECKey | RSAKey


class UntrustedToken(Exception):
    """Not a token this provider signed with a key it still publishes, or not of the expected ``typ``.

    The message says why for logs and developers; it never contains the token.
    """


@dataclass(frozen=True)
class _Key:
    kid: str
    alg: str
    public: JoseKey
    public_jwk: dict[str, Any]
    drop_after: datetime | None


@dataclass
class _View:
    """One worker's reading of the table: the published keys, and the active one with its private key."""

    read_at: datetime
    published: dict[str, _Key]
    active: _Key | None
    private: JoseKey | None
    forced_at: float = 0.0  # time.monotonic() of the last read an unknown kid caused


_VIEWS: dict[int, _View] = {}  # per runtime (one per worker); forgotten with it
_LOCKS: dict[int, asyncio.Lock] = {}


def _forget(key: int) -> None:
    _VIEWS.pop(key, None)
    _LOCKS.pop(key, None)


def _typ_matches(header: str | None, wanted: str) -> bool:
    """RFC 7515 §4.1.9: a media type, compared without case, ``application/`` optional."""
    normal = (header or "").lower().removeprefix("application/")
    return normal == wanted.lower().removeprefix("application/")


class SigningKeys:
    """Signs with the active key, verifies with any published one, publishes the JWKS, rotates."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self._id = id(rt)
        if self._id not in _LOCKS:
            _LOCKS[self._id] = asyncio.Lock()
            weakref.finalize(rt, _forget, self._id)

    # -- signing and verifying ------------------------------------------------------------------------

    async def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        """A compact JWS of ``claims`` with the active key (header ``alg``, ``kid``, ``typ``)."""
        view = await self._view()
        if view.active is None or view.private is None:
            view = await self._view(first=True)
        assert view.active is not None and view.private is not None
        header = {"alg": view.active.alg, "kid": view.active.kid, "typ": typ}
        return jwt.encode(header, claims, view.private, algorithms=[view.active.alg])

    async def verify(self, token: str, typ: str | None = None) -> dict[str, Any]:
        """The claims of a token this provider signed with a key it still publishes; UntrustedToken otherwise.

        Only the signature, the key and ``typ`` are checked: callers check ``iss``, ``aud``, ``exp`` and the rest.
        """
        try:
            header = extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as error:
            raise UntrustedToken(f"not a compact JWS: {error}") from None
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise UntrustedToken("the token names no kid")
        key = (await self._view()).published.get(kid) or (await self._reread()).published.get(kid)
        now = self.rt.clock.now()
        if key is None or (key.drop_after is not None and key.drop_after <= now):
            raise UntrustedToken("the token's kid is not a key this provider publishes")
        if header.get("alg") != key.alg:
            raise UntrustedToken(f"the token's alg is not its key's ({key.alg})")
        if typ is not None and not _typ_matches(header.get("typ"), typ):
            raise UntrustedToken(f"the token's typ is not {typ}")
        try:
            return dict(jwt.decode(token, key.public, algorithms=[key.alg]).claims)
        except (JoseError, ValueError) as error:
            raise UntrustedToken(f"the signature does not verify: {error}") from None

    async def jwks(self) -> dict[str, Any]:
        """The JWK Set of every published key (the active one and those still verifying), read afresh."""
        view = await self._view(fresh=True)
        if view.active is None:
            view = await self._view(first=True)
        return {"keys": [dict(key.public_jwk) for key in view.published.values()]}

    # -- rotation ---------------------------------------------------------------------------------

    async def rotate(self, *, actor: Principal | None = None, client: ClientInfo | None = None) -> OidcSigningKey:
        """Make a new active key; the keys it replaces stop signing and verify until ``drop_after``."""
        row, retired = await self._create(retire_others=True)
        await self._view(fresh=True)
        await Audit(self.rt).record(
            "oidc.signing_key_rotated", actor=actor, client=client, kid=row.kid, alg=row.alg, retired=retired
        )
        return row

    def drop_time(self, retired_at: datetime) -> datetime:
        """When a key retired at ``retired_at`` can have signed nothing still valid."""
        s = self.rt.settings
        margin = s.oidc_signed_token_seconds + s.oidc_clock_skew_seconds + s.oidc_key_cache_seconds
        return retired_at + timedelta(seconds=margin)

    async def drop_expired(self) -> int:
        """Delete the retired keys past ``drop_after`` (they have left the JWKS); returns how many."""
        now = self.rt.clock.now()
        kids = await OidcSigningKey.filter(drop_after__lte=now).values_list("kid", flat=True)
        if not kids:
            return 0
        deleted = await OidcSigningKey.filter(kid__in=list(kids), drop_after__lte=now).delete()
        await Audit(self.rt).record("oidc.signing_keys_dropped", kids=list(kids))
        await self._view(fresh=True)
        return deleted

    # -- reading the table --------------------------------------------------------------------------

    async def _view(self, *, fresh: bool = False, first: bool = False) -> _View:
        view = _VIEWS.get(self._id)
        now = self.rt.clock.now()
        age = timedelta(seconds=self.rt.settings.oidc_key_cache_seconds)
        if not fresh and not first and view is not None and now - view.read_at < age:
            return view
        async with _LOCKS[self._id]:
            view = _VIEWS.get(self._id)
            if not fresh and not first and view is not None and now - view.read_at < age:
                return view  # another task read it while this one waited
            view = await self._read(now)
            if first and view.active is None:
                await self._create(retire_others=False)
                view = await self._read(now)
            _VIEWS[self._id] = view
            return view

    async def _reread(self) -> _View:
        """For an unknown kid: read the table again unless a kid did so less than a second ago."""
        view = _VIEWS.get(self._id)
        if view is not None and time.monotonic() - view.forced_at < RELOAD_FLOOR_SECONDS:
            return view
        view = await self._view(fresh=True)
        view.forced_at = time.monotonic()
        return view

    async def _read(self, now: datetime) -> _View:
        rows = await OidcSigningKey.all().order_by("-created_at", "kid")
        published: dict[str, _Key] = {}
        active_row: OidcSigningKey | None = None
        for row in rows:
            if row.drop_after is not None and row.drop_after <= now:
                continue
            jwk = dict(row.public_jwk)
            published[row.kid] = _Key(row.kid, row.alg, import_key(jwk), jwk, row.drop_after)  # type: ignore[arg-type]
            if active_row is None and row.retired_at is None:
                active_row = row
        extra = [row.kid for row in rows if row.retired_at is None and row is not active_row]
        if extra:  # two keys made at once (first use on two workers): the newest signs, the others retire
            await OidcSigningKey.filter(kid__in=extra, retired_at=None).update(
                retired_at=now, drop_after=self.drop_time(now)
            )
        if active_row is None:
            return _View(now, published, None, None)
        sealed = self.pii.open(PRIVATE_COLUMN, active_row.kid, active_row.private_sealed)
        private = import_key(json.loads(sealed))
        return _View(now, published, published[active_row.kid], private)  # type: ignore[arg-type]

    async def _create(self, *, retire_others: bool) -> tuple[OidcSigningKey, list[str]]:
        """A new key (made in a worker thread: an RSA key takes a while); with ``retire_others``, the keys that
        signed until now retire in the same transaction. Returns the row and the retired kids."""
        alg = self.rt.settings.oidc_signing_alg
        private = await asyncio.to_thread(_generate, alg)
        kid = private.thumbprint()
        public = {**private.as_dict(private=False), "kid": kid, "alg": alg, "use": "sig"}
        sealed = self.pii.seal(PRIVATE_COLUMN, kid, json.dumps(private.as_dict(private=True)))
        now = self.rt.clock.now()
        retired: list[str] = []
        async with in_transaction():
            if retire_others:
                retired = list(await OidcSigningKey.filter(retired_at=None).values_list("kid", flat=True))
                await OidcSigningKey.filter(kid__in=retired, retired_at=None).update(
                    retired_at=now, drop_after=self.drop_time(now)
                )
            row = await OidcSigningKey.create(
                kid=kid, alg=alg, private_sealed=sealed, public_jwk=public, created_at=now
            )
        return row, retired


def _generate(alg: str) -> JoseKey:
    if alg == "PS256":
        return RSAKey.generate_key(RSA_BITS, private=True)
    return ECKey.generate_key("P-256", private=True)
