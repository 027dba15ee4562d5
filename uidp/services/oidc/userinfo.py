"""Userinfo (OIDC Core §5.3) as a protected resource: which access token, how it must be presented, and the
claims it opens.

A DPoP-bound token (``cnf.jkt``) must come as ``Authorization: DPoP <token>`` with a proof by that key carrying
the token's ``ath`` (RFC 9449 §7.1); presented as Bearer it is refused (§7.2: otherwise binding would be
optional for whoever stole it). A bearer token (basic clients) must come as Bearer. Then the token's row and
its authorization are read: revoked, expired, or an authorization that has fallen (``standing.why_fallen``:
logout, cancellation, a consent withdrawn, a grant ended) answer ``invalid_token`` with a ``WWW-Authenticate``
challenge (RFC 6750 §3). Refusals of a genuine token are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uidp.domain.oidc import OAuthError
from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.services.oidc.access_tokens import Presented, find_access_token
from uidp.services.oidc.claims import claims_for
from uidp.services.oidc.dpop import DPOP_ALGS, DpopProofs, single_proof
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.standing import why_fallen
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo

USERINFO_PATH = "/oidc/userinfo"
SCHEMES = ("bearer", "dpop")


@dataclass(frozen=True)
class UserinfoRequest:
    method: str
    authorization: str | None  # the Authorization header
    proofs: Sequence[str]  # every DPoP header (more than one is refused)
    caller: ClientInfo


def challenge(scheme: str, problem: OAuthProblem) -> OAuthProblem:
    """``problem`` as a protected resource answers it: 401 (403 for insufficient_scope) and a WWW-Authenticate
    challenge of the scheme the client used (RFC 6750 §3, RFC 9449 §7.1)."""
    name = "DPoP" if scheme == "dpop" else "Bearer"
    parts = [f'algs="{" ".join(DPOP_ALGS)}"'] if name == "DPoP" else []
    parts.append(f'error="{problem.error.value}"')
    if problem.description:
        parts.append(f'error_description="{problem.description}"')
    status = 403 if problem.error == OAuthError.INSUFFICIENT_SCOPE else 401
    headers = {**problem.headers, "WWW-Authenticate": f"{name} {', '.join(parts)}"}
    return OAuthProblem(problem.error, problem.description, status=status, headers=headers)


def _invalid(description: str) -> OAuthProblem:
    return OAuthProblem(OAuthError.INVALID_TOKEN, description)


class UserinfoService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def answer(self, request: UserinfoRequest) -> dict[str, Any]:
        """The userinfo claims, or :class:`OAuthProblem` with its challenge."""
        scheme, token = _credentials(request.authorization)
        try:
            if not token:
                raise OAuthProblem(OAuthError.INVALID_REQUEST, "an access token is required")
            presented = await find_access_token(self.rt, token)
            if presented is None or not presented.live(self.rt.clock.now()):
                raise _invalid("the access token is unknown, expired or revoked")
            await self._presentation(scheme, token, presented, request)
            client = await OidcClient.get_or_none(id=presented.authorization.client_id)
            fall = await why_fallen(self.rt, presented.authorization, client)
            if client is None or fall is not None:
                await self._refused(presented, request.caller, fall.value if fall else "client_gone")
                raise _invalid("the authorization behind the access token no longer stands")
            scopes = str(presented.claims.get("scope", "")).split()
            if "openid" not in scopes:
                raise OAuthProblem(OAuthError.INSUFFICIENT_SCOPE, "userinfo needs the openid scope")
            return await claims_for(self.rt, presented.authorization, client, purpose="userinfo", scopes=scopes)
        except OAuthProblem as problem:
            raise challenge(scheme or "bearer", problem) from None

    async def _presentation(self, scheme: str, token: str, presented: Presented, request: UserinfoRequest) -> None:
        bound = presented.row.dpop_jkt
        if bound is None:
            if scheme != "bearer":
                raise _invalid("this access token is a bearer token")
            return
        if scheme != "dpop":
            await self._refused(presented, request.caller, "bound_token_as_bearer")
            raise _invalid("this access token is DPoP-bound: present it with the DPoP scheme and a proof")
        proof = single_proof(request.proofs)
        url = self.rt.settings.oidc_url(USERINFO_PATH)
        await DpopProofs(self.rt).verify(proof, method=request.method, url=url, access_token=token, jkt=bound)

    async def _refused(self, presented: Presented, caller: ClientInfo, reason: str) -> None:
        authorization = presented.authorization
        await Audit(self.rt).record(
            "oidc.userinfo_refused",
            outcome="failure",
            subject=(authorization.subject_kind, authorization.subject_id),
            client=caller,
            authorization_id=str(authorization.id),
            reason=reason,
        )


def _credentials(header: str | None) -> tuple[str, str]:
    """(scheme in lower case, token) of an Authorization header; ("", "") when there is none or it is not one of
    ours (RFC 6750 §2.1 / RFC 9449 §7.1: one scheme, one space, the token)."""
    if not header or len(header) > 8192:
        return "", ""
    scheme, _, token = header.partition(" ")
    scheme = scheme.lower()
    if scheme not in SCHEMES or not token or " " in token.strip():
        return scheme if scheme in SCHEMES else "", ""
    return scheme, token.strip()
