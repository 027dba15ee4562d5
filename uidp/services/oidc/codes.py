"""Authorization codes (RFC 6749 §4.1.2): one-time, at most 60 s (FAPI 2.0), stored as a step ticket under the
code's digest and bound to everything the token request must match (client, redirect URI, PKCE challenge,
DPoP key) and everything the tokens will say (subject, session, acr, amr, scopes, claims, nonce).

:meth:`AuthorizationCodes.take` spends a code atomically: of two concurrent exchanges exactly one gets it. The
authorization it becomes records the code's digest, so a second use can find and revoke what the first issued.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.security.tokens import token_digest
from uidp.services.shared.step_tickets import StepTickets

CODE_SECONDS = 60  # FAPI 2.0 Security Profile §5.3.2.1: at most 60 seconds
FLOW = "oidc_code"


@dataclass(frozen=True)
class CodeGrant:
    """What an authorization code stands for. Ids are strings (the code lives as JSON in the store)."""

    client_id: str  # OidcClient.id
    redirect_uri: str
    code_challenge: str  # S256 only
    subject_kind: str  # person or entity
    subject_id: str
    acr: str
    auth_time: int  # epoch seconds of the login the session rests on
    scopes: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    amr: list[str] = field(default_factory=list)
    nonce: str | None = None
    session_id: str | None = None
    actor_id: str | None = None  # the person acting for an entity
    grant_id: str | None = None  # the delegation grant a proxy session rests on
    dpop_jkt: str | None = None  # the key the tokens must be bound to (dpop_jkt at PAR, or the first proof)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CodeGrant:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def code_digest(code: str) -> str:
    """What ``OidcAuthorization.code_digest`` holds: the SHA-256 of the code (codes are 256-bit random)."""
    return token_digest(code)


class AuthorizationCodes:
    """Issue and spend authorization codes."""

    def __init__(self, rt: Runtime) -> None:
        self.tickets = StepTickets(rt, FLOW, seconds=CODE_SECONDS, invalid=ErrorCode.STEP_INVALID)

    async def issue(self, grant: CodeGrant) -> str:
        """A new code for ``grant``, live for :data:`CODE_SECONDS`."""
        return (await self.tickets.issue(grant.to_data())).token

    async def take(self, code: str) -> CodeGrant | None:
        """Spend ``code``: its grant, or None when it is unknown, expired or already used (the caller then looks
        for the authorization with its :func:`code_digest` to revoke it)."""
        try:
            ticket = await self.tickets.spend(code)
        except DomainError:
            return None
        return CodeGrant.from_data(ticket.data)
