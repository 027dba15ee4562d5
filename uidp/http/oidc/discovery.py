"""``/.well-known/openid-configuration`` (OpenID Connect Discovery 1.0, RFC 8414) and ``/oidc/jwks`` (RFC 7517).

Every URL in the document is built from ``UIDP_OIDC_ISSUER``, never from the request's Host header. Both are
public documents: cacheable for ``UIDP_OIDC_JWKS_MAX_AGE_SECONDS`` and readable from any origin.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from uidp.config import Settings
from uidp.config_oidc import SIGNING_ALGORITHMS
from uidp.domain.oidc import ACR_VALUES, SCOPES
from uidp.runtime import Runtime
from uidp.services.oidc.keys import SigningKeys

# The endpoint paths (BRIEF: fixed); the issuer goes before each.
ENDPOINTS = {
    "authorization_endpoint": "/oidc/authorize",
    "pushed_authorization_request_endpoint": "/oidc/par",
    "token_endpoint": "/oidc/token",
    "userinfo_endpoint": "/oidc/userinfo",
    "jwks_uri": "/oidc/jwks",
    "revocation_endpoint": "/oidc/revoke",
    "introspection_endpoint": "/oidc/introspect",
    "end_session_endpoint": "/oidc/logout",
}
AUTH_METHODS = ["private_key_jwt", "client_secret_basic"]  # fapi2 clients / basic clients
# Claims of every ID token (OIDC Core §2), then those the scopes release.
STANDARD_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid"]


def configuration(settings: Settings) -> dict[str, Any]:
    """The provider's metadata: where each endpoint is and what it supports."""
    issuer = settings.oidc_issuer
    algorithms = list(SIGNING_ALGORITHMS)
    scope_claims = [claim for scope in SCOPES.values() for claim in scope.claims]
    document: dict[str, Any] = {"issuer": issuer}
    document.update({name: settings.oidc_url(path) for name, path in ENDPOINTS.items()})
    document.update(
        {
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": algorithms,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_signing_alg_values_supported": algorithms,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_signing_alg_values_supported": algorithms,
            "dpop_signing_alg_values_supported": algorithms,
            "id_token_signing_alg_values_supported": [settings.oidc_signing_alg],
            "authorization_response_iss_parameter_supported": True,
            # FAPI 2.0 clients must push their requests (enforced per client); basic clients may skip PAR
            "require_pushed_authorization_requests": False,
            "request_parameter_supported": False,
            "claims_parameter_supported": False,
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": False,
            "subject_types_supported": ["pairwise"],
            "scopes_supported": list(SCOPES),
            "claims_supported": list(dict.fromkeys(STANDARD_CLAIMS + scope_claims)),
            "claim_types_supported": ["normal"],
            "acr_values_supported": list(ACR_VALUES.values()),
            "ui_locales_supported": ["zh-CN"],
            "claims_locales_supported": ["zh-CN"],
        }
    )
    return document


def _public(settings: Settings) -> dict[str, str]:
    return {
        "Cache-Control": f"public, max-age={settings.oidc_jwks_max_age_seconds}",
        "Access-Control-Allow-Origin": "*",
    }


async def openid_configuration(request: Request) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    return JSONResponse(configuration(rt.settings), headers=_public(rt.settings))


async def jwks(request: Request) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    body = await SigningKeys(rt).jwks()
    return JSONResponse(body, headers=_public(rt.settings), media_type="application/jwk-set+json")


ROUTES: list[BaseRoute] = [
    Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
    Route("/oidc/jwks", jwks, methods=["GET"]),
]
