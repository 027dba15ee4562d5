import uuid

import pytest
from tortoise.exceptions import IntegrityError

from tests.oidc_support import make_oidc_client
from uidp.domain.oidc import ClientProfile
from uidp.models.oidc import OidcAuthorization, OidcClient, OidcConsent


async def test_a_fapi_client_has_public_keys_only_and_a_basic_one_a_secret_digest(rt):
    fapi = await make_oidc_client(rt)
    basic = await make_oidc_client(rt, profile=ClientProfile.BASIC)
    stored = await OidcClient.get(id=fapi.row.id)
    assert stored.jwks and "d" not in stored.jwks["keys"][0] and fapi.key is not None
    assert (await OidcClient.get(id=basic.row.id)).secret_digest not in (None, basic.secret)


async def test_one_consent_per_subject_and_client(rt):
    client = (await make_oidc_client(rt)).row
    subject = uuid.uuid4()
    now = rt.clock.now()
    row = {"subject_kind": "person", "subject_id": subject, "client_id": client.id, "granted_at": now}
    await OidcConsent.create(id=uuid.uuid4(), scopes=["openid"], updated_at=now, **row)
    with pytest.raises(IntegrityError):
        await OidcConsent.create(id=uuid.uuid4(), scopes=["openid", "profile"], updated_at=now, **row)


async def test_an_authorization_code_makes_one_authorization_only(rt):
    client = (await make_oidc_client(rt)).row
    now = rt.clock.now()
    row = {
        "client_id": client.id, "subject_kind": "person", "subject_id": uuid.uuid4(), "acr": "urn:uidp:level:1",
        "auth_time": now, "code_digest": "a" * 64, "created_at": now, "expires_at": now,
    }  # fmt: skip
    await OidcAuthorization.create(id=uuid.uuid4(), **row)
    with pytest.raises(IntegrityError):
        await OidcAuthorization.create(id=uuid.uuid4(), **row)
