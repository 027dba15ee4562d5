"""Test helpers for the OpenID provider: a registered connected system and its keys.

Rows are made with the ORM, as a staff member's registration leaves them (the registration service is tested
in its own tests); a FAPI client gets an EC P-256 key pair from joserfc, a basic client a random secret.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from joserfc import jwk

from uidp.domain.oidc import SCOPES, ClientProfile
from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.security.tokens import token_digest

REDIRECT_URI = "https://rp.example.gov.cn/callback"


@dataclass
class TestClient:
    row: OidcClient
    key: jwk.ECKey | None  # the private key of a FAPI client (private_key_jwt, and a DPoP key of its own)
    secret: str | None  # the secret of a basic client


async def make_oidc_client(
    rt: Runtime,
    *,
    profile: ClientProfile = ClientProfile.FAPI2,
    client_id: str | None = None,
    redirect_uris: list[str] | None = None,
    scopes: list[str] | None = None,
    claims: list[str] | None = None,
    **fields: Any,
) -> TestClient:
    """Register a connected system: every scope and claim allowed unless narrowed."""
    now = rt.clock.now()
    key = jwk.ECKey.generate_key("P-256", private=True) if profile == ClientProfile.FAPI2 else None
    secret = secrets.token_urlsafe(32) if profile == ClientProfile.BASIC else None
    client_id = client_id or f"rp-{uuid.uuid4().hex[:12]}"
    allowed_scopes = scopes if scopes is not None else list(SCOPES)
    allowed_claims = claims if claims is not None else [c for s in allowed_scopes for c in SCOPES[s].claims]
    public = {"keys": [{**key.as_dict(private=False), "kid": key.thumbprint(), "use": "sig"}]} if key else None
    row = await OidcClient.create(
        id=uuid.uuid4(),
        client_id=client_id,
        name=fields.pop("name", "测试业务系统"),
        profile=profile.value,
        redirect_uris=redirect_uris or [REDIRECT_URI],
        post_logout_redirect_uris=fields.pop("post_logout_redirect_uris", ["https://rp.example.gov.cn/logged-out"]),
        jwks=public,
        secret_digest=token_digest(secret) if secret else None,
        scopes=allowed_scopes,
        claims=allowed_claims,
        sector_id=fields.pop("sector_id", client_id),
        created_at=now,
        updated_at=now,
        **fields,
    )
    return TestClient(row, key, secret)
