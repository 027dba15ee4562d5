"""The token endpoint (RFC 6749 §3.2, FAPI 2.0 Security Profile §5.3.2): the authorization_code grant with PKCE
and DPoP, and the refresh_token grant with rotation.

Order of checks: the client (oidc-auth), the grant type and the form's values (lengths, code points, formats),
the DPoP proof for FAPI clients (before anything is spent, so the nonce dance costs no code), then the one-time
value is spent atomically (the code, or the refresh token's ``used_at``), then everything it must match. Nothing
is issued on any error: the authorization and its tokens are written in one transaction after every check.

A code presented again finds the authorization made from it (``code_digest``) and revokes it (RFC 6749 §4.1.2,
reason ``code_reused``); a refresh token presented again revokes its whole authorization (reason
``refresh_reused``; RFC 9700 §4.14.2): of two concurrent refreshes exactly one wins, and the other's reuse ends
the family.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.models.oidc import OidcAuthorization, OidcClient, OidcToken
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.oidc.access_tokens import Presented, TokenMint, find_refresh_token
from uidp.services.oidc.client_auth import authenticate_client
from uidp.services.oidc.codes import AuthorizationCodes, CodeGrant, code_digest
from uidp.services.oidc.dpop import DpopProofs
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.revocation import revoke_authorization
from uidp.services.oidc.standing import why_fallen
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo

TOKEN_PATH = "/oidc/token"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1
OPAQUE = re.compile(r"[A-Za-z0-9\-_]{16,128}")  # our codes and refresh tokens: base64url
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,64}")  # RFC 6749 §3.3 scope-token
MAX_REDIRECT_URI = 500  # OidcClient's column


@dataclass(frozen=True)
class TokenRequest:
    """A token request as the HTTP edge read it: the form (each parameter once), the Authorization header, the
    one DPoP proof and who is calling (for the audit)."""

    form: Mapping[str, str]
    authorization: str | None
    dpop: str | None
    caller: ClientInfo


def _problem(error: OAuthError, description: str) -> OAuthProblem:
    return OAuthProblem(error, description)


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: the S256 challenge of a verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class TokenService:
    """Answers token requests: a token response (RFC 6749 §5.1) or :class:`OAuthProblem`."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)
        self.mint = TokenMint(rt)

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        """Authenticate the client, then run its grant; every refusal is audited (never a token or code)."""
        client = await authenticate_client(self.rt, request.form, request.authorization, client=request.caller)
        grant_type = request.form.get("grant_type", "")
        try:
            if grant_type == AUTHORIZATION_CODE:
                return await self._code(client, request)
            if grant_type == REFRESH_TOKEN:
                return await self._refresh(client, request)
            if not grant_type:
                raise _problem(OAuthError.INVALID_REQUEST, "grant_type is required")
            raise _problem(OAuthError.UNSUPPORTED_GRANT_TYPE, "only authorization_code and refresh_token")
        except OAuthProblem as problem:
            if problem.error != OAuthError.USE_DPOP_NONCE:  # the nonce dance is not a refusal worth a line
                await self.audit.record(
                    "oidc.token_refused",
                    outcome="failure",
                    client=request.caller,
                    client_id=client.client_id,
                    grant_type=grant_type[:32],
                    error=problem.error.value,
                    reason=problem.description[:120],
                )
            raise

    # -- authorization_code ---------------------------------------------------------------------------

    async def _code(self, client: OidcClient, request: TokenRequest) -> dict[str, Any]:
        form = request.form
        code, verifier, redirect_uri = form.get("code", ""), form.get("code_verifier", ""), form.get("redirect_uri", "")
        if not code or not OPAQUE.fullmatch(code):
            raise _problem(OAuthError.INVALID_REQUEST, "code is missing or malformed")
        if not verifier:
            raise _problem(OAuthError.INVALID_REQUEST, "code_verifier is required (PKCE)")
        if not VERIFIER.fullmatch(verifier):
            raise _problem(OAuthError.INVALID_REQUEST, "code_verifier must be 43-128 unreserved characters")
        if not redirect_uri or len(redirect_uri) > MAX_REDIRECT_URI:
            raise _problem(OAuthError.INVALID_REQUEST, "redirect_uri is required")
        jkt = await self._proof(client, request)
        grant = await AuthorizationCodes(self.rt).take(code)
        if grant is None:
            await self._code_reused(code, request.caller)
            raise _problem(OAuthError.INVALID_GRANT, "the code is unknown, expired or already used")
        if grant.client_id != str(client.id):
            raise _problem(OAuthError.INVALID_GRANT, "the code was issued to another client")
        if redirect_uri != grant.redirect_uri:
            raise _problem(OAuthError.INVALID_GRANT, "redirect_uri does not match the authorization request")
        if not hmac.compare_digest(s256(verifier), grant.code_challenge):
            raise _problem(OAuthError.INVALID_GRANT, "code_verifier does not match the code_challenge")
        if grant.dpop_jkt and jkt != grant.dpop_jkt:
            raise _problem(OAuthError.INVALID_GRANT, "the DPoP key is not the key the code is bound to")
        authorization = await self._authorization(client, grant, code, jkt)
        minted = await self.mint.mint(authorization, client, scopes=list(grant.scopes), nonce=grant.nonce)
        async with in_transaction():
            await authorization.save(force_create=True)
            await OidcToken.bulk_create(list(minted.rows))
        await self._issued(client, authorization, AUTHORIZATION_CODE, request.caller)
        return minted.response

    async def _authorization(
        self, client: OidcClient, grant: CodeGrant, code: str, jkt: str | None
    ) -> OidcAuthorization:
        """The authorization the code becomes (not saved yet), refused when what it rests on has fallen."""
        now = self.rt.clock.now()
        ends = now + timedelta(seconds=self.rt.settings.oidc_refresh_seconds)
        if grant.session_id is not None:
            session = await Session.get_or_none(id=grant.session_id).only("id", "expires_at")
            if session is not None:
                ends = min(ends, session.expires_at)  # never beyond the uidp session it rests on
        authorization = OidcAuthorization(
            id=uuid.uuid4(),
            client_id=client.id,
            subject_kind=grant.subject_kind,
            subject_id=uuid.UUID(grant.subject_id),
            session_id=uuid.UUID(grant.session_id) if grant.session_id else None,
            actor_id=uuid.UUID(grant.actor_id) if grant.actor_id else None,
            grant_id=uuid.UUID(grant.grant_id) if grant.grant_id else None,
            scopes=list(grant.scopes),
            claims=list(grant.claims),
            acr=grant.acr,
            amr=list(grant.amr),
            auth_time=datetime.fromtimestamp(grant.auth_time, UTC),
            dpop_jkt=jkt,
            code_digest=code_digest(code),
            created_at=now,
            expires_at=ends,
        )
        fall = await why_fallen(self.rt, authorization, client)
        if fall is not None:
            raise _problem(OAuthError.INVALID_GRANT, f"the login behind the code no longer stands ({fall.value})")
        return authorization

    async def _code_reused(self, code: str, caller: ClientInfo) -> None:
        """A spent code presented again: whatever it was exchanged for is revoked (RFC 6749 §4.1.2)."""
        made = await OidcAuthorization.get_or_none(code_digest=code_digest(code)).only("id")
        if made is not None:
            await revoke_authorization(self.rt, made.id, "code_reused", caller=caller)

    # -- refresh_token --------------------------------------------------------------------------------

    async def _refresh(self, client: OidcClient, request: TokenRequest) -> dict[str, Any]:
        token = request.form.get("refresh_token", "")
        if not token or not OPAQUE.fullmatch(token):
            raise _problem(OAuthError.INVALID_REQUEST, "refresh_token is missing or malformed")
        wanted = self._scopes(request.form.get("scope"))
        jkt = await self._proof(client, request)
        presented = await find_refresh_token(token)
        if presented is None or presented.authorization.client_id != client.id:
            raise _problem(OAuthError.INVALID_GRANT, "the refresh token is unknown")
        authorization = presented.authorization
        if authorization.dpop_jkt and jkt != authorization.dpop_jkt:
            raise _problem(OAuthError.INVALID_GRANT, "the DPoP key is not the key the tokens are bound to")
        scopes = list(authorization.scopes)
        if wanted is not None:
            if not set(wanted) <= set(scopes):
                raise _problem(OAuthError.INVALID_SCOPE, "a refresh cannot widen the granted scope")
            scopes = [scope for scope in scopes if scope in wanted]
        return await self._rotate(client, presented, scopes, request.caller)

    async def _rotate(
        self, client: OidcClient, presented: Presented, scopes: list[str], caller: ClientInfo
    ) -> dict[str, Any]:
        authorization, row, now = presented.authorization, presented.row, self.rt.clock.now()
        if row.used_at is not None:
            await revoke_authorization(self.rt, authorization.id, "refresh_reused", caller=caller)
            raise _problem(OAuthError.INVALID_GRANT, "the refresh token was already used")
        if row.revoked_at is not None or now >= row.expires_at:
            raise _problem(OAuthError.INVALID_GRANT, "the refresh token has expired or was revoked")
        fall = await why_fallen(self.rt, authorization, client)
        if fall is not None:
            raise _problem(OAuthError.INVALID_GRANT, f"the authorization no longer stands ({fall.value})")
        minted = await self.mint.mint(authorization, client, scopes=scopes)
        async with in_transaction():
            spent = await OidcToken.filter(id=row.id, used_at__isnull=True, revoked_at__isnull=True).update(used_at=now)
            if spent:
                await OidcToken.bulk_create(list(minted.rows))
        if not spent:  # another request spent it between our read and our update: a reuse all the same
            await revoke_authorization(self.rt, authorization.id, "refresh_reused", caller=caller)
            raise _problem(OAuthError.INVALID_GRANT, "the refresh token was already used")
        await self._issued(client, authorization, REFRESH_TOKEN, caller)
        return minted.response

    # -- shared ---------------------------------------------------------------------------------------

    async def _proof(self, client: OidcClient, request: TokenRequest) -> str | None:
        """The DPoP key of the request: required of FAPI clients (RFC 9449 §5); basic clients get bearer tokens."""
        if client.profile != ClientProfile.FAPI2:
            return None
        url = self.rt.settings.oidc_url(TOKEN_PATH)
        return await DpopProofs(self.rt).verify(request.dpop, method="POST", url=url)

    @staticmethod
    def _scopes(value: str | None) -> list[str] | None:
        if value is None:
            return None
        scopes = value.split(" ")
        if len(value) > 1000 or not all(SCOPE_TOKEN.fullmatch(scope) for scope in scopes):
            raise _problem(OAuthError.INVALID_SCOPE, "scope is malformed")
        return scopes

    async def _issued(
        self, client: OidcClient, authorization: OidcAuthorization, grant_type: str, caller: ClientInfo
    ) -> None:
        await self.audit.record(
            "oidc.token_issued",
            subject=(authorization.subject_kind, authorization.subject_id),
            client=caller,
            client_id=client.client_id,
            grant_type=grant_type,
            authorization_id=str(authorization.id),
            dpop_bound=authorization.dpop_jkt is not None,
            **({"agent_id": str(authorization.actor_id)} if authorization.actor_id else {}),
        )
