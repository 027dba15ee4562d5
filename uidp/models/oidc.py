"""Single sign-on for connected systems (C1): the OpenID provider's clients, signing keys, consents, and the
authorizations (token families) it issued with their tokens.

Authorization codes and pushed requests are short-lived one-time values and live in the store; what must
outlive a worker restart, be revoked by a cascade or be listed in the user space is here. Plain UUID columns
rather than foreign keys, as the delegation models do, so a cancellation's cascade is one UPDATE per table.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OidcClient(Model):
    """A connected system, registered and managed by staff."""

    id = fields.UUIDField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)  # shown on the consent page
    profile = fields.CharField(max_length=8)  # fapi2 (private_key_jwt, PAR, DPoP) or basic (client_secret_basic)
    redirect_uris = fields.JSONField(default=list)  # matched exactly
    post_logout_redirect_uris = fields.JSONField(default=list)
    jwks = fields.JSONField(null=True)  # the client's public keys (private_key_jwt), or
    jwks_uri = fields.CharField(max_length=500, null=True)
    secret_digest = fields.CharField(max_length=64, null=True)  # basic clients: SHA-256 of the secret shown once
    scopes = fields.JSONField(default=list)  # what the client may ask for
    claims = fields.JSONField(default=list)
    min_level = fields.SmallIntField(default=1)  # the lowest identity level (1..3) the client accepts
    backchannel_logout_uri = fields.CharField(max_length=500, null=True)
    event_uri = fields.CharField(max_length=500, null=True)  # where security event tokens are delivered
    event_types = fields.JSONField(default=list)  # the events it subscribed to
    sector_id = fields.CharField(max_length=64)  # pairwise subjects are computed per sector (default: client_id)
    disabled_at = fields.DatetimeField(null=True)
    created_by = fields.UUIDField(null=True)  # the staff member who registered it
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "oidc_client"


class OidcSigningKey(Model):
    """One of the provider's signing keys. The private JWK is sealed with the PII cipher (key id inside)."""

    kid = fields.CharField(max_length=64, primary_key=True)
    alg = fields.CharField(max_length=8)  # PS256 or ES256 (FAPI 2.0)
    private_sealed = fields.TextField()
    public_jwk = fields.JSONField()
    created_at = fields.DatetimeField()
    retired_at = fields.DatetimeField(null=True)  # stopped signing; still in the JWKS until drop_after
    drop_after = fields.DatetimeField(null=True)  # every token it signed has expired by then

    class Meta:
        table = "oidc_signing_key"


class OidcConsent(Model):
    """What a person (or an entity's session) agreed that a client may receive, remembered, listed and revocable."""

    id = fields.UUIDField(primary_key=True)
    subject_kind = fields.CharField(max_length=16)
    subject_id = fields.UUIDField(db_index=True)
    client_id = fields.UUIDField(db_index=True)  # OidcClient.id
    scopes = fields.JSONField(default=list)
    claims = fields.JSONField(default=list)
    granted_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oidc_consent"
        unique_together = (("subject_id", "client_id"),)


class OidcAuthorization(Model):
    """One completed authorization: what a client was given for whom. Its tokens form one family, revoked
    together (a reused code or refresh token, a logout, the end of the session it rests on, a cancellation)."""

    id = fields.UUIDField(primary_key=True)
    client_id = fields.UUIDField(db_index=True)  # OidcClient.id
    subject_kind = fields.CharField(max_length=16)  # person or entity
    subject_id = fields.UUIDField(db_index=True)
    session_id = fields.UUIDField(null=True, db_index=True)  # the uidp browser session that logged in
    actor_id = fields.UUIDField(null=True)  # the person acting for an entity (RFC 8693 act)
    grant_id = fields.UUIDField(null=True, db_index=True)  # the delegation grant a proxy session rests on
    scopes = fields.JSONField(default=list)
    claims = fields.JSONField(default=list)
    acr = fields.CharField(max_length=64)
    amr = fields.JSONField(default=list)
    auth_time = fields.DatetimeField()
    dpop_jkt = fields.CharField(max_length=64, null=True)  # tokens bound to this key (FAPI clients)
    code_digest = fields.CharField(max_length=64, unique=True)  # the code it was made from: a reuse revokes it
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()  # no refresh beyond this
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=32, null=True)
    logout_sent_at = fields.DatetimeField(null=True)  # back-channel logout written to the outbox (oidc_delivery)

    class Meta:
        table = "oidc_authorization"


class OidcToken(Model):
    """An access token (by its ``jti``) or a refresh token (by the digest of its opaque value)."""

    id = fields.UUIDField(primary_key=True)
    authorization_id = fields.UUIDField(db_index=True)
    kind = fields.CharField(max_length=8)  # access or refresh
    digest = fields.CharField(max_length=64, unique=True)
    dpop_jkt = fields.CharField(max_length=64, null=True)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)  # a refresh token is used once (rotated)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oidc_token"
