"""RFC 7662 token introspection for authenticated clients, about their own tokens only.

A token is active when it is one we issued to the asking client, not revoked, not expired, (a refresh token) not
yet used, and its authorization still stands (``standing.why_fallen``): the same rule userinfo and refresh
apply, read afresh. Anything else, including another client's live token, is ``{"active": false}`` and
nothing more (RFC 7662 §2.2), so introspection tells a client nothing about tokens that are not its own.
"""

from __future__ import annotations

from typing import Any

from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.services.oidc.access_tokens import ACCESS, REFRESH, Presented, find_access_token, find_refresh_token
from uidp.services.oidc.claims import epoch, pairwise_sub
from uidp.services.oidc.standing import why_fallen

INACTIVE: dict[str, Any] = {"active": False}
# The access token's own claims an introspection answer repeats (RFC 7662 §2.2 and RFC 9068).
ACCESS_CLAIMS = ("scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti", "acr", "auth_time", "act", "cnf")


class Introspection:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def introspect(self, client: OidcClient, token: str, hint: str | None = None) -> dict[str, Any]:
        """The RFC 7662 answer about ``token`` for ``client``."""
        kinds = (REFRESH, ACCESS) if hint == "refresh_token" else (ACCESS, REFRESH)
        for kind in kinds:
            presented = await find_access_token(self.rt, token) if kind == ACCESS else await find_refresh_token(token)
            if presented is not None:
                return await self._answer(client, presented)
        return dict(INACTIVE)

    async def _answer(self, client: OidcClient, presented: Presented) -> dict[str, Any]:
        authorization = presented.authorization
        if authorization.client_id != client.id or not presented.live(self.rt.clock.now()):
            return dict(INACTIVE)
        if await why_fallen(self.rt, authorization, client) is not None:
            return dict(INACTIVE)
        if presented.row.kind == ACCESS:
            answer = {name: presented.claims[name] for name in ACCESS_CLAIMS if name in presented.claims}
            if "delegation" in presented.claims:
                answer["delegation"] = presented.claims["delegation"]
            token_type = "DPoP" if authorization.dpop_jkt else "Bearer"
            return {"active": True, **answer, "token_type": token_type}
        return {
            "active": True,
            "token_type": "refresh_token",
            "scope": " ".join(authorization.scopes),
            "client_id": client.client_id,
            "sub": pairwise_sub(self.rt, client, authorization.subject_kind, authorization.subject_id),
            "iss": self.rt.settings.oidc_issuer,
            "iat": epoch(presented.row.issued_at),
            "exp": epoch(presented.row.expires_at),
        }
