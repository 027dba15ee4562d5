"""The tokens of one authorization: minting a family member (RFC 9068 access token, opaque refresh token, OIDC ID
token) and finding a presented token again.

An access token is a JWT signed by the provider (``typ`` ``at+jwt``); its ``jti`` is recorded in OidcToken (as a
digest) so that revocation and introspection find it and the authorization behind it. A refresh token is 256-bit
random and stored only as its SHA-256. Every token lives no longer than its authorization (``expires_at``).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from uidp.models.oidc import OidcAuthorization, OidcClient, OidcToken
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.oidc.claims import claims_for, epoch, sid_of
from uidp.services.oidc.keys import SigningKeys, UntrustedToken

ACCESS = "access"
REFRESH = "refresh"
ACCESS_TYP = "at+jwt"  # RFC 9068 §2.1
MAX_TOKEN_CHARS = 4096  # a JWT access token of a proxy session is about 1 KiB; anything far longer is not ours


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token (ES256 and PS256 both
    hash with SHA-256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Minted:
    """A token response (RFC 6749 §5.1) and the rows that record its tokens, saved by the caller's transaction."""

    response: dict[str, Any]
    rows: tuple[OidcToken, ...]


class TokenMint:
    """Makes the tokens of an authorization."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.keys = SigningKeys(rt)

    async def mint(
        self,
        authorization: OidcAuthorization,
        client: OidcClient,
        *,
        scopes: list[str],
        nonce: str | None = None,
    ) -> Minted:
        """An access token for ``scopes``, a new refresh token and (with ``openid``) an ID token."""
        settings, now = self.rt.settings, self.rt.clock.now()
        issuer = settings.oidc_issuer
        access_ends = min(now + timedelta(seconds=settings.oidc_access_token_seconds), authorization.expires_at)
        jti = new_token(16)
        subject = await claims_for(self.rt, authorization, client, purpose="access_token")
        access_claims: dict[str, Any] = {
            "iss": issuer,
            "aud": issuer,  # the provider's own resource (userinfo); no resource indicators are offered
            "client_id": client.client_id,
            "iat": epoch(now),
            "exp": epoch(access_ends),
            "jti": jti,
            "scope": " ".join(scopes),
            **subject,
        }
        if authorization.dpop_jkt:
            access_claims["cnf"] = {"jkt": authorization.dpop_jkt}  # RFC 9449 §6.1
        access_token = await self.keys.sign(access_claims, typ=ACCESS_TYP)
        refresh_token = new_token()
        response: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "DPoP" if authorization.dpop_jkt else "Bearer",
            "expires_in": max(0, int((access_ends - now).total_seconds())),
            "refresh_token": refresh_token,
            "scope": " ".join(scopes),
        }
        if "openid" in scopes:
            response["id_token"] = await self.id_token(authorization, client, access_token, nonce, now)
        rows = (
            self._row(authorization, ACCESS, token_digest(jti), now, access_ends),
            self._row(authorization, REFRESH, token_digest(refresh_token), now, authorization.expires_at),
        )
        return Minted(response, rows)

    async def id_token(
        self,
        authorization: OidcAuthorization,
        client: OidcClient,
        access_token: str,
        nonce: str | None,
        now: datetime,
    ) -> str:
        """OIDC Core §2: who logged in and how, for this client, with the access token's ``at_hash``."""
        ends = now + timedelta(seconds=self.rt.settings.oidc_id_token_seconds)
        claims: dict[str, Any] = {
            "iss": self.rt.settings.oidc_issuer,
            "aud": client.client_id,
            "iat": epoch(now),
            "exp": epoch(ends),
            **await claims_for(self.rt, authorization, client, purpose="id_token"),
            "sid": sid_of(authorization),
            "at_hash": at_hash(access_token),
        }
        if nonce:
            claims["nonce"] = nonce
        return await self.keys.sign(claims, typ="JWT")

    @staticmethod
    def _row(
        authorization: OidcAuthorization, kind: str, digest: str, now: datetime, expires_at: datetime
    ) -> OidcToken:
        return OidcToken(
            id=uuid.uuid4(),
            authorization_id=authorization.id,
            kind=kind,
            digest=digest,
            dpop_jkt=authorization.dpop_jkt,
            issued_at=now,
            expires_at=expires_at,
        )


@dataclass(frozen=True)
class Presented:
    """A token we issued, as found again: its row and authorization (and the access token's claims)."""

    row: OidcToken
    authorization: OidcAuthorization
    claims: dict[str, Any]

    def live(self, now: datetime) -> bool:
        """Not revoked, not past its end, and (a refresh token) not yet used."""
        row = self.row
        return row.revoked_at is None and now < row.expires_at and (row.kind == ACCESS or row.used_at is None)


async def find_access_token(rt: Runtime, token: str | None) -> Presented | None:
    """The access token's row if ``token`` is an ``at+jwt`` this provider signed for its own issuer; None for
    anything else (expiry is the caller's to judge through :meth:`Presented.live`)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        claims = await SigningKeys(rt).verify(token, typ=ACCESS_TYP)
    except UntrustedToken:
        return None
    jti = claims.get("jti")
    if claims.get("iss") != rt.settings.oidc_issuer or not isinstance(jti, str):
        return None
    return await _presented(ACCESS, token_digest(jti), claims)


async def find_refresh_token(token: str | None) -> Presented | None:
    """The refresh token's row (by its digest) and authorization, or None."""
    if not token or len(token) > 128:
        return None
    return await _presented(REFRESH, token_digest(token), {})


async def _presented(kind: str, digest: str, claims: dict[str, Any]) -> Presented | None:
    row = await OidcToken.get_or_none(digest=digest, kind=kind)
    if row is None:
        return None
    authorization = await OidcAuthorization.get_or_none(id=row.authorization_id)
    return Presented(row, authorization, claims) if authorization is not None else None
