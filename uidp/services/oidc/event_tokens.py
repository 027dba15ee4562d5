"""The tokens the outbox sends (C3), made afresh at each attempt from a row's ids and signed with the current key.

- A **logout token** (OpenID Connect Back-Channel Logout 1.0 §2.4), ``typ`` ``logout+jwt``: ``iss``, ``aud``
  (the client_id), ``iat``, ``exp`` (``UIDP_OIDC_EVENT_TOKEN_SECONDS``), ``jti`` (the row's, the same at each
  attempt), ``events`` with the back-channel logout event and an empty object, the pairwise ``sub`` and the
  ``sid`` the client's ID token for that login carried (the authorization's id); never a ``nonce``.
- A **security event token** (RFC 8417), ``typ`` ``secevent+jwt``, profiled as the OpenID Shared Signals
  Framework 1.0 does: ``iss``, ``aud``, ``iat``, ``jti``, one event in ``events``, the subject as a top-level
  ``sub_id`` (RFC 9493 ``iss_sub`` with the pairwise ``sub``), no ``exp`` (SSF forbids it; a receiver dedupes
  by ``jti``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from uidp.domain.oidc_events import BACKCHANNEL_LOGOUT_EVENT
from uidp.models.oidc import OidcClient
from uidp.models.oidc_delivery import OidcDelivery
from uidp.runtime import Runtime
from uidp.services.oidc.claims import epoch, pairwise_sub
from uidp.services.oidc.keys import SigningKeys

LOGOUT_TYP = "logout+jwt"  # Back-Channel Logout 1.0 §2.4 (explicit typing, RFC 8725 §3.11)
SECEVENT_TYP = "secevent+jwt"  # RFC 8417 §2.3


def subject_id(rt: Runtime, client: OidcClient, kind: str, subject: str | uuid.UUID) -> dict[str, str]:
    """RFC 9493 ``iss_sub``: the subject as this client knows it (its pairwise ``sub``) and who issued it."""
    return {"format": "iss_sub", "iss": rt.settings.oidc_issuer, "sub": pairwise_sub(rt, client, kind, subject)}


async def logout_token(rt: Runtime, client: OidcClient, row: OidcDelivery) -> str:
    """The logout token ``row`` owes ``client``: ``sub`` and ``sid`` of the login that ended."""
    payload, now = row.payload, rt.clock.now()
    claims: dict[str, Any] = {
        "iss": rt.settings.oidc_issuer,
        "aud": client.client_id,
        "iat": epoch(now),
        "exp": epoch(now + timedelta(seconds=rt.settings.oidc_event_token_seconds)),
        "jti": row.jti,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        "sub": pairwise_sub(rt, client, payload["subject_kind"], payload["subject_id"]),
    }
    if payload.get("authorization_id"):
        claims["sid"] = payload["authorization_id"]  # sid_of(authorization): what the ID token said
    return await SigningKeys(rt).sign(claims, typ=LOGOUT_TYP)


async def security_event_token(rt: Runtime, client: OidcClient, row: OidcDelivery) -> str:
    """The security event token ``row`` owes ``client``: its event type, the event's details, the subject."""
    payload = row.payload
    event: dict[str, Any] = dict(payload.get("event") or {})
    if payload.get("agent_id"):  # a proxy login's agent, as the client's act.sub named them
        event["agent"] = subject_id(rt, client, "person", payload["agent_id"])
    claims: dict[str, Any] = {
        "iss": rt.settings.oidc_issuer,
        "aud": client.client_id,
        "iat": epoch(rt.clock.now()),
        "jti": row.jti,
        "sub_id": subject_id(rt, client, payload["subject_kind"], payload["subject_id"]),
        "events": {payload["event_type"]: event},
    }
    return await SigningKeys(rt).sign(claims, typ=SECEVENT_TYP)
