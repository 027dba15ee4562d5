"""Revoking what the provider issued: an authorization (its whole token family) by setting its ``revoked_at``,
and RFC 7009 token revocation by a client of its own tokens.

Revocation is a row: every token check reads the authorization (``standing.why_fallen``), so setting
``revoked_at`` ends every token of the family at once on every worker. A revoked refresh token revokes its
authorization (RFC 7009 §2.1: "the authorization server SHOULD also invalidate all access tokens based on the
same authorization grant"); a revoked access token ends that token alone. A token the client cannot revoke
(unknown, another client's, already dead) is answered like a revoked one (RFC 7009 §2.2: 200 either way), so the
endpoint tells no one whether a token exists.
"""

from __future__ import annotations

import uuid

from uidp.models.oidc import OidcAuthorization, OidcClient, OidcToken
from uidp.runtime import Runtime
from uidp.services.oidc.access_tokens import ACCESS, REFRESH, find_access_token, find_refresh_token
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo

MAX_TOKEN_HINT = 32


async def revoke_authorization(
    rt: Runtime, authorization_id: uuid.UUID, reason: str, *, caller: ClientInfo | None = None
) -> bool:
    """Revoke one authorization (idempotent: an already revoked one keeps its first reason); audited when it
    was live. Returns whether this call revoked it."""
    revoked = await OidcAuthorization.filter(id=authorization_id, revoked_at__isnull=True).update(
        revoked_at=rt.clock.now(), revoked_reason=reason[:32]
    )
    if revoked:
        authorization = await OidcAuthorization.get(id=authorization_id)
        await Audit(rt).record(
            "oidc.authorization_revoked",
            subject=(authorization.subject_kind, authorization.subject_id),
            client=caller,
            authorization_id=str(authorization_id),
            reason=reason,
        )
    return bool(revoked)


class TokenRevocation:
    """RFC 7009: an authenticated client revokes one of its own tokens."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def revoke(self, client: OidcClient, token: str, hint: str | None, caller: ClientInfo) -> None:
        """Revoke ``token`` if it is ``client``'s; silently nothing otherwise. ``hint`` only orders the search."""
        kinds = (ACCESS, REFRESH) if hint == "access_token" else (REFRESH, ACCESS)
        for kind in kinds:
            presented = await find_access_token(self.rt, token) if kind == ACCESS else await find_refresh_token(token)
            if presented is None:
                continue
            if presented.authorization.client_id != client.id:
                return  # another client's token: revoking it would let anyone end anyone's login
            if kind == REFRESH:
                await revoke_authorization(self.rt, presented.authorization.id, "client_revoked", caller=caller)
                return
            ended = await OidcToken.filter(id=presented.row.id, revoked_at__isnull=True).update(
                revoked_at=self.rt.clock.now()
            )
            if ended:
                await Audit(self.rt).record(
                    "oidc.token_revoked",
                    subject=(presented.authorization.subject_kind, presented.authorization.subject_id),
                    client=caller,
                    client_id=client.client_id,
                    authorization_id=str(presented.authorization.id),
                    kind=ACCESS,
                )
            return
