"""The OAuth error an OpenID provider endpoint answers with: a standard code, a description for the client's
developers (English, as the RFCs' examples; end users never see it) and the HTTP status."""

from __future__ import annotations

from collections.abc import Mapping

from uidp.domain.oidc import OAuthError

# The status each error is answered with at the token-style endpoints (RFC 6749 §5.2, RFC 6750 §3.1).
STATUS: dict[OAuthError, int] = {
    OAuthError.INVALID_CLIENT: 401,
    OAuthError.INVALID_TOKEN: 401,
    OAuthError.INVALID_DPOP_PROOF: 401,
    OAuthError.USE_DPOP_NONCE: 400,
    OAuthError.INSUFFICIENT_SCOPE: 403,
    OAuthError.SERVER_ERROR: 500,
    OAuthError.TEMPORARILY_UNAVAILABLE: 503,
}


class OAuthProblem(Exception):
    """Refuse a request with ``error``; nothing has been issued. ``headers`` are added to the answer (a new
    ``DPoP-Nonce``, a ``WWW-Authenticate`` challenge)."""

    def __init__(
        self,
        error: OAuthError,
        description: str = "",
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error.value}: {description}" if description else error.value)
        self.error = error
        self.description = description
        self.status = status if status is not None else STATUS.get(error, 400)
        self.headers = dict(headers or {})

    def body(self) -> dict[str, str]:
        """The JSON body: ``error`` and, when there is one, ``error_description``."""
        body = {"error": self.error.value}
        if self.description:
            body["error_description"] = self.description
        return body
