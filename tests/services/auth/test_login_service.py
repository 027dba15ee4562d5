"""P3 and X7 at the service level: lookups, equal failures, lockout, rehash on cost change."""

from __future__ import annotations

import pytest

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.credential import Credential
from uidp.security.passwords import PasswordHasher
from uidp.services.auth.login import LoginService
from uidp.services.persons.seeding import demo_resident_id, seed_persons
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")
PASSWORD = "Seed#Pass2026"


@pytest.fixture
async def phone(rt, settings):
    return (await seed_persons(settings, 1, PASSWORD))[0]


async def test_login_by_phone_and_id(rt, phone):
    for identifier in (phone, demo_resident_id(0)):
        outcome = await LoginService(rt).login_with_password(identifier, PASSWORD, CLIENT)
        assert outcome.subject_kind == "person"
        assert outcome.issued.token and outcome.issued.session.token_hash != outcome.issued.token


async def test_failures_look_alike(rt, phone):
    errors = []
    for identifier in (phone, "13911112222"):
        with pytest.raises(DomainError) as failed:
            await LoginService(rt).login_with_password(identifier, "Wrong#2026pw", CLIENT)
        errors.append((failed.value.code, failed.value.message, failed.value.field, failed.value.details))
    assert errors[0] == errors[1]
    assert errors[0][0] == ErrorCode.INVALID_CREDENTIALS


async def test_rehash_when_cost_changes(rt, phone):
    credential = await Credential.get()
    assert credential.secret_hash.startswith("$2b$04$")
    rt.hasher = PasswordHasher(rt.settings.key_bytes("password_pepper"), rounds=5)
    await LoginService(rt).login_with_password(phone, PASSWORD, CLIENT)
    assert (await Credential.get()).secret_hash.startswith("$2b$05$")
