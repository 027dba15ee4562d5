"""The single sign-on settings (the OpenID provider, C1): a part of :class:`uidp.config.Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from uidp.config_values import ConfigError, doc, setting

DEV_ISSUER = "http://127.0.0.1:8000"  # where `uidp serve` listens by default
SIGNING_ALGORITHMS = ("ES256", "PS256")  # FAPI 2.0 allows these two (and EdDSA, which we do not offer)


@dataclass
class OidcSettings:
    """Fields and checks :class:`uidp.config.Settings` inherits; see docs/oidc.md."""

    oidc_issuer: str = field(
        default="",
        metadata=doc(
            f"dev: {DEV_ISSUER}",
            "the OpenID provider's issuer (https in production, no trailing slash): every endpoint URL and "
            "audience it checks is built from it; unset in production, single sign-on is off (no /oidc routes)",
        ),
    )
    oidc_signing_alg: str = field(
        default="ES256", metadata=doc("ES256", "`ES256` or `PS256`: the algorithm of new signing keys")
    )
    oidc_access_token_seconds: int = field(default=300, metadata=doc("300", "access token lifetime"))
    oidc_id_token_seconds: int = field(default=300, metadata=doc("300", "ID token lifetime"))
    oidc_event_token_seconds: int = field(
        default=120, metadata=doc("120", "lifetime of back-channel logout tokens and security event tokens")
    )
    oidc_refresh_seconds: int = field(
        default=43200,
        metadata=doc("43200", "the longest an authorization (its refresh tokens) lives; never beyond its session"),
    )
    oidc_clock_skew_seconds: int = field(
        default=60, metadata=doc("60", "clock difference allowed on times clients send (assertions, DPoP proofs)")
    )
    oidc_key_cache_seconds: int = field(
        default=60, metadata=doc("60", "how long a worker signs with the keys it read before reading them again")
    )
    oidc_jwks_max_age_seconds: int = field(
        default=300, metadata=doc("300", "Cache-Control max-age of /oidc/jwks and the discovery document")
    )
    oidc_outbox_seconds: int = setting(
        15,
        "how often each worker looks for back-channel logouts and security events owed (besides being woken); "
        "0: this worker runs no sender (dev and tests only)",
    )
    oidc_delivery_timeout_seconds: int = setting(
        5, "longest wait for a connected system to answer one logout token or security event token"
    )
    oidc_delivery_retention_days: int = setting(
        30, "delivered and given-up logout and security event deliveries are deleted by the sweep this long after"
    )

    def check_oidc(self, production: bool) -> None:
        """Take the dev issuer when none is set (dev only), then refuse settings that cannot work; one line each."""
        if not self.oidc_issuer and not production:
            self.oidc_issuer = DEV_ISSUER
        parts = urlsplit(self.oidc_issuer)
        if self.oidc_enabled and (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username is not None
            or any(char.isspace() for char in self.oidc_issuer)
            or parts.query
            or parts.fragment
            or self.oidc_issuer.endswith("/")
        ):
            raise ConfigError(
                "UIDP_OIDC_ISSUER must be a URL like https://sso.example.gov.cn (no user, query, fragment, final /)"
            )
        if production and self.oidc_enabled and parts.scheme != "https":
            raise ConfigError("UIDP_OIDC_ISSUER must be https in production")
        if self.oidc_signing_alg not in SIGNING_ALGORITHMS:
            raise ConfigError("UIDP_OIDC_SIGNING_ALG must be ES256 or PS256")
        for name, low, high in (
            ("oidc_access_token_seconds", 30, 3600),
            ("oidc_id_token_seconds", 30, 3600),
            ("oidc_event_token_seconds", 30, 3600),
            ("oidc_refresh_seconds", 60, 30 * 86400),
            ("oidc_clock_skew_seconds", 0, 300),
            ("oidc_key_cache_seconds", 1, 3600),
            ("oidc_jwks_max_age_seconds", 0, 86400),
            ("oidc_outbox_seconds", 1 if production else 0, 3600),
            ("oidc_delivery_timeout_seconds", 1, 60),
            ("oidc_delivery_retention_days", 1, 3650),
        ):
            if not low <= getattr(self, name) <= high:
                raise ConfigError(f"UIDP_{name.upper()} must be between {low} and {high}")

    @property
    def oidc_enabled(self) -> bool:
        """Whether the OpenID provider serves (always in dev; in production once UIDP_OIDC_ISSUER is set)."""
        return bool(self.oidc_issuer)

    @property
    def oidc_signed_token_seconds(self) -> int:
        """The longest any token the provider signs is valid: a retired key verifies this long (plus margins)."""
        return max(self.oidc_access_token_seconds, self.oidc_id_token_seconds, self.oidc_event_token_seconds)

    def oidc_url(self, path: str) -> str:
        """An endpoint's URL: the issuer and the path (``/oidc/token``), never the request's Host."""
        return self.oidc_issuer + path
