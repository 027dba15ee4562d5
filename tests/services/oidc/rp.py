"""The relying party's side of token requests, made with joserfc: client assertions (RFC 7523), DPoP proofs
(RFC 9449) and the forms a connected system posts, for a client registered by ``tests.oidc_support``."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwk, jwt

from tests.oidc_support import TestClient, make_oidc_client
from tests.services.oidc.logins import LoggedIn, code_grant, pkce_pair
from uidp.domain.oidc import ClientProfile
from uidp.runtime import Runtime
from uidp.services.oidc.codes import AuthorizationCodes
from uidp.services.oidc.dpop import DpopProofs, access_token_hash
from uidp.services.oidc.tokens import TokenRequest
from uidp.services.shared.principal import ClientInfo

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CALLER = ClientInfo("198.51.100.62")


@dataclass
class Rp:
    """One connected system: its registration, its DPoP key (FAPI) and what it holds between requests."""

    rt: Runtime
    client: TestClient
    dpop_key: jwk.ECKey = field(default_factory=lambda: jwk.ECKey.generate_key("P-256", private=True))

    @classmethod
    async def fapi(cls, rt: Runtime, **fields: Any) -> Rp:
        return cls(rt, await make_oidc_client(rt, profile=ClientProfile.FAPI2, **fields))

    @classmethod
    async def basic(cls, rt: Runtime, **fields: Any) -> Rp:
        return cls(rt, await make_oidc_client(rt, profile=ClientProfile.BASIC, **fields))

    @property
    def row(self) -> Any:
        return self.client.row

    @property
    def is_fapi(self) -> bool:
        return self.client.key is not None

    @property
    def jkt(self) -> str:
        return self.dpop_key.thumbprint()

    def url(self, path: str) -> str:
        return self.rt.settings.oidc_url(path)

    # -- client authentication ------------------------------------------------------------------------

    def assertion(self, **overrides: Any) -> str:
        """A private_key_jwt client assertion (RFC 7523 §3) for the provider's issuer, valid a minute."""
        assert self.client.key is not None
        now = int(self.rt.clock.now().timestamp())
        claims = {
            "iss": self.row.client_id,
            "sub": self.row.client_id,
            "aud": self.rt.settings.oidc_issuer,
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
            **overrides,
        }
        header = {"alg": "ES256", "kid": self.client.key.thumbprint()}
        return jwt.encode(header, claims, self.client.key, algorithms=["ES256"])

    def auth(self) -> tuple[dict[str, str], str | None]:
        """(form fields, Authorization header) that authenticate this client as it is registered."""
        if self.is_fapi:
            return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": self.assertion()}, None
        assert self.client.secret is not None
        basic = base64.b64encode(f"{self.row.client_id}:{self.client.secret}".encode()).decode()
        return {}, f"Basic {basic}"

    # -- DPoP -----------------------------------------------------------------------------------------

    async def proof(
        self,
        method: str,
        path: str,
        *,
        access_token: str | None = None,
        nonce: str | bool | None = True,
        key: jwk.ECKey | None = None,
        **overrides: Any,
    ) -> str:
        """A DPoP proof for ``method`` ``path`` (the server's current nonce unless ``nonce`` says otherwise)."""
        key = key or self.dpop_key
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method,
            "htu": self.url(path),
            "iat": int(self.rt.clock.now().timestamp()),
        }
        if nonce is True:
            claims["nonce"] = await DpopProofs(self.rt).nonce()
        elif nonce:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        claims.update(overrides)
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
        return jwt.encode(header, claims, key, algorithms=["ES256"])

    # -- codes and token requests ---------------------------------------------------------------------

    async def code(self, login: LoggedIn, **grant: Any) -> tuple[str, str]:
        """(code, verifier): a code for ``login``'s session as /oidc/authorize issues it (bound to our DPoP key)."""
        verifier, challenge = pkce_pair()
        if self.is_fapi:
            grant.setdefault("dpop_jkt", self.jkt)
        code = await AuthorizationCodes(self.rt).issue(code_grant(self.row, login, challenge, **grant))
        return code, verifier

    def code_form(self, code: str, verifier: str | None, **extra: str) -> dict[str, str]:
        fields, _ = self.auth()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.row.redirect_uris[0]}
        if verifier is not None:
            form["code_verifier"] = verifier
        return {**form, **fields, **extra}

    def refresh_form(self, refresh_token: str, **extra: str) -> dict[str, str]:
        fields, _ = self.auth()
        return {"grant_type": "refresh_token", "refresh_token": refresh_token, **fields, **extra}

    async def request(self, form: dict[str, str], *, proof: str | bool | None = True) -> TokenRequest:
        """A token request as the HTTP edge hands it to the service, with a fresh client assertion (``proof``:
        True makes a fresh one)."""
        fields, header = self.auth()  # a fresh assertion for every request, as a client library makes them
        form = {**form, **{name: value for name, value in fields.items() if name in form}}
        if proof is True:
            proof = await self.proof("POST", "/oidc/token") if self.is_fapi else None
        return TokenRequest(form, header, proof or None, CALLER)
