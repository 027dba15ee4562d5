"""The OpenID provider's outbox (C3): back-channel logout tokens and security event tokens owed to connected
systems, kept in the database until delivered or given up, so a worker restart never loses one.

A row names what is owed (kind, client, the ids the token will speak of) and never holds a signed token: the
token is made at each attempt (short-lived, same ``jti``), so a retry after a key rotation is signed by the
current key. No PII: subject ids, session ids and event details are ids, levels and codes.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OidcDelivery(Model):
    """One logout token or security event token for one client, and how delivering it went."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharField(max_length=16)  # logout (OIDC Back-Channel Logout) or event (RFC 8417 / RFC 8935)
    client_id = fields.UUIDField(db_index=True)  # OidcClient.id
    dedupe_key = fields.CharField(max_length=128, unique=True)  # one logout per client and session
    jti = fields.CharField(max_length=64)  # the token's id, the same at every attempt
    payload = fields.JSONField(default=dict)  # what the token says beyond iss/aud/iat/jti (ids only)
    state = fields.CharField(max_length=12)  # pending, delivered or given_up
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField()  # when it is due (a claimed row is pushed on by the lease)
    last_error = fields.CharField(max_length=100, null=True)  # the last failure: status or error class, no body
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)  # delivered or given up

    class Meta:
        table = "oidc_delivery"
        indexes = (("state", "next_attempt_at"),)
