"""Single sign-on (C3): what the provider tells connected systems when something changes behind their back.

Back-channel logout (OpenID Connect Back-Channel Logout 1.0) when the uidp session an authorization rests on
ends, and security event tokens (RFC 8417, pushed per RFC 8935) for the events a client subscribed to
(``OidcClient.event_types`` holds the URIs below). Pure data, no framework.
"""

from __future__ import annotations

from enum import StrEnum

#: The one event of a logout token (Back-Channel Logout 1.0 §2.4).
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class SecurityEventType(StrEnum):
    """The security events a connected system may subscribe to, by the URI its tokens carry in ``events``."""

    # OpenID RISC 1.0: the account is gone for good (P10 cancellation erases it).
    ACCOUNT_CANCELLED = "https://schemas.openid.net/secevent/risc/event-type/account-purged"
    # OpenID CAEP 1.0: the identity level (初级 / 中级 / 高级, acr ``urn:uidp:level:N``) changed.
    LEVEL_CHANGED = "https://schemas.openid.net/secevent/caep/event-type/assurance-level-change"
    # uidp's own: a delegation grant (E9) a proxy authorization rested on ended; ``act`` and ``delegation``
    # claims the client holds for it are void. The URI clients subscribe with (connected_systems).
    GRANT_REVOKED = "urn:uidp:secevent:grant-revoked"


#: CAEP assurance-level-change: the namespace of uidp's levels (the ``acr`` values ``urn:uidp:level:N``).
LEVEL_NAMESPACE = "urn:uidp:level"


class AuthorizationEnd(StrEnum):
    """``OidcAuthorization.revoked_reason`` for the ends this part of the provider writes."""

    SESSION_ENDED = "session_ended"  # the uidp session it rests on ended (logout, password change, staff, ...)
    CANCELLED = "cancelled"  # the person's account was cancelled (P10)
    RP_LOGOUT = "rp_logout"  # the client itself sent the browser to /oidc/logout (no logout token owed to it)
