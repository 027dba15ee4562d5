"""Single sign-on (C1): the OpenID provider's vocabulary. Scopes and the claims they release, the ``acr`` values
of the three identity levels, ``amr`` per login channel, client profiles and the standard OAuth error codes.

Pure data and rules, no framework: the services in ``uidp.services.oidc`` and the hosted pages read these, and
docs/oidc.md documents them (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from uidp.domain.levels import AssuranceLevel


class ClientProfile(StrEnum):
    """How a client authenticates and what the provider demands of it."""

    FAPI2 = "fapi2"  # private_key_jwt, PAR required, DPoP-bound tokens, PKCE S256
    BASIC = "basic"  # client_secret_basic, PKCE S256; PAR optional, bearer tokens


class OAuthError(StrEnum):
    """The standard error codes (RFC 6749 §4.1.2.1 / §5.2, RFC 6750, RFC 9449, RFC 9126, OIDC Core §3.1.2.6)."""

    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    INVALID_GRANT = "invalid_grant"
    UNAUTHORIZED_CLIENT = "unauthorized_client"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"
    INVALID_SCOPE = "invalid_scope"
    ACCESS_DENIED = "access_denied"
    SERVER_ERROR = "server_error"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
    INVALID_TOKEN = "invalid_token"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    INVALID_DPOP_PROOF = "invalid_dpop_proof"
    USE_DPOP_NONCE = "use_dpop_nonce"
    INVALID_REQUEST_URI = "invalid_request_uri"
    INVALID_REQUEST_OBJECT = "invalid_request_object"
    LOGIN_REQUIRED = "login_required"
    CONSENT_REQUIRED = "consent_required"
    INTERACTION_REQUIRED = "interaction_required"
    UNMET_AUTHENTICATION_REQUIREMENTS = "unmet_authentication_requirements"  # OIDC: acr_values not met


@dataclass(frozen=True)
class Scope:
    name: str
    label: str  # what the consent page says the system will receive
    claims: tuple[str, ...]


# The claims each scope releases; a client receives a claim only when the scope was granted, the client is
# allowed the claim, and the person consented.
SCOPES: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope("openid", "您的平台账号标识（每个系统各不相同）", ("sub",)),
        Scope("profile", "您的姓名", ("name",)),
        Scope("id_card", "您的证件类型和证件号码", ("id_type", "id_number")),
        Scope("phone", "您的手机号码", ("phone_number", "phone_number_verified")),
        Scope("level", "您的实名认证等级", ("level",)),
        Scope("entity", "法人的名称和统一社会信用代码", ("entity_name", "credit_code")),
        Scope("delegation", "您代理法人办事的授权范围和期限", ("act", "delegation")),
    )
}

# acr values: one per identity level. A client's acr_values asks for at least that level.
ACR_PREFIX = "urn:uidp:level:"
ACR_VALUES: dict[AssuranceLevel, str] = {level: f"{ACR_PREFIX}{level.value}" for level in AssuranceLevel}


def acr_of(level: int) -> str:
    """The ``acr`` a session of this identity level carries (初级 1, 中级 2, 高级 3)."""
    return ACR_VALUES[AssuranceLevel(level)]


def level_of_acr(value: str) -> AssuranceLevel | None:
    """The level an ``acr_values`` entry asks for; None for a value this provider does not know."""
    for level, acr in ACR_VALUES.items():
        if acr == value:
            return level
    return None


# amr: the channel first (as uidp names it), then the RFC 8176 method it stands for where there is one.
AMR_OF_METHOD: dict[str, tuple[str, ...]] = {
    "password": ("password", "pwd"),
    "ca": ("ca", "hwk", "sc"),
    "alipay": ("alipay", "fed"),
    "ehuiban": ("ehuiban", "fed"),
    "esscard": ("esscard", "fed"),
    "elicense": ("elicense", "fed"),
    "agent": ("agent", "pwd"),  # proxy login: the agent's own password
}


def amr_of(method: str) -> list[str]:
    """The ``amr`` of a session opened by this login method (unknown plugins: the method id alone)."""
    return list(AMR_OF_METHOD.get(method, (method,)))
