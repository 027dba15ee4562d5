"""Pushed authorization requests (RFC 9126): a client, authenticated, posts its authorization request and gets
a ``request_uri`` to send the browser with instead; FAPI 2.0 clients must.

The request is validated as the authorization endpoint would (``uidp.services.oidc.requests``) and kept as a
step ticket (60 s, one use) under the digest of the random part of its ``request_uri``. A DPoP proof on the
push or a ``dpop_jkt`` parameter binds the key the tokens must be bound to (RFC 9449 §10); when both are
given they must name the same key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.requests import AuthorizationRequest, RequestRefused, validate_request
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.step_tickets import StepTickets

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
PAR_SECONDS = 60
FLOW = "oidc_par"


@dataclass(frozen=True)
class Pushed:
    """What the push answers (201): the request_uri and its lifetime in seconds."""

    request_uri: str
    expires_in: int


class PushedRequests:
    """Accept pushed requests and hand them to the authorization endpoint, once."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.tickets = StepTickets(rt, FLOW, seconds=PAR_SECONDS, invalid=ErrorCode.STEP_INVALID)

    async def push(
        self, client: OidcClient, params: dict[str, str], *, proof_jkt: str | None, client_info: ClientInfo
    ) -> Pushed:
        """Validate ``params`` for ``client`` (already authenticated) and keep them; ``proof_jkt`` is the
        thumbprint of a DPoP proof sent with the push. Refused with an OAuthProblem (400 JSON)."""
        if params.get("client_id", client.client_id) != client.client_id:
            raise OAuthProblem(OAuthError.INVALID_REQUEST, "client_id does not match the authenticated client")
        if proof_jkt is not None and client.profile != ClientProfile.FAPI2:
            # a basic client's tokens are bearer tokens: a code bound to a key could never be redeemed
            raise OAuthProblem(
                OAuthError.INVALID_REQUEST, "DPoP is for FAPI 2.0 clients; this client gets bearer tokens"
            )
        request = validate_request(client, params, pushed=True)
        if proof_jkt is not None:
            if request.dpop_jkt is not None and request.dpop_jkt != proof_jkt:
                raise OAuthProblem(OAuthError.INVALID_REQUEST, "dpop_jkt does not match the DPoP proof's key")
            request = replace(request, dpop_jkt=proof_jkt)
        issued = await self.tickets.issue(request.to_data())
        await Audit(self.rt).record(
            "oidc.request_pushed",
            client=client_info,
            client_id=client.client_id,
            scopes=request.scopes,
            dpop_bound=request.dpop_jkt is not None,
        )
        return Pushed(REQUEST_URI_PREFIX + issued.token, PAR_SECONDS)

    async def take(self, request_uri: str, client: OidcClient) -> AuthorizationRequest:
        """The pushed request behind ``request_uri``, spent: of concurrent uses exactly one gets it. Another
        client's, an unknown, expired or used one: :class:`RequestRefused` (``invalid_request_uri``, shown as a
        page: the redirect URI it would name is not known)."""
        refused = RequestRefused(OAuthError.INVALID_REQUEST_URI, "request_uri is unknown, expired or used")
        if not request_uri.startswith(REQUEST_URI_PREFIX):
            raise refused
        token = request_uri[len(REQUEST_URI_PREFIX) :]
        try:
            ticket = await self.tickets.read(token)
            request = AuthorizationRequest.from_data(ticket.data)
            if request.client_id != str(client.id):
                raise refused  # left in place: it is not this client's to spend
            await self.tickets.spend(token)
        except DomainError:
            raise refused from None
        return request
