"""The bindings service (issue 8 §3): which account an assertion opens, in which order, and what a
method's trust allows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.partner_login import PartnerPlugin
from tests.support import fails
from uidp.domain.errors import ErrorCode
from uidp.models.binding import ExternalBinding
from uidp.ports import Assertion
from uidp.services.auth.bindings import AccountRef, Bindings
from uidp.services.persons.seeding import demo_resident_id, seed_persons

pytestmark = pytest.mark.anyio
PASSWORD = "Seed#Pass2026"


@pytest.fixture
def plugin() -> PartnerPlugin:
    return PartnerPlugin()


@pytest.fixture
def extra_plugins(plugin: PartnerPlugin) -> list[Any]:
    return [plugin]


@pytest.fixture
async def phone(rt, settings) -> str:
    return (await seed_persons(settings, 1, PASSWORD))[0]


async def test_resolve_follows_bindings_then_trusted_claims_only(rt, plugin, phone):
    bindings = Bindings(rt)
    partner, trusted = plugin.methods["partner"], plugin.methods["trusted"]
    claims = {"id_number": demo_resident_id(0)}
    assert await bindings.resolve(partner, Assertion("partner", "s-1", claims=claims)) is None
    match = await bindings.resolve(trusted, Assertion("trusted", "s-1", claims=claims))
    assert match is not None and match.via == "id_number" and match.binds
    assert not await ExternalBinding.exists()  # written by the pipeline once the account may log in
    await bindings.bind("partner", "s-1", match.account)
    bound = await bindings.resolve(partner, Assertion("partner", "s-1"))
    assert bound is not None and (bound.via, bound.account) == ("binding", match.account)
    # a binding opens only accounts of the kind the assertion speaks for
    assert await bindings.resolve(partner, Assertion("partner", "s-1", subject_kind="entity")) is None
    # a trusted claim for an entity needs the entity kind
    assert await bindings.resolve(trusted, Assertion("trusted", "s-2", claims=claims, subject_kind="entity")) is None


async def test_a_malformed_trusted_claim_is_refused_without_a_field(rt, plugin):
    refusal = await fails(
        ErrorCode.INVALID_ID_NUMBER,
        Bindings(rt).resolve(plugin.methods["trusted"], Assertion("trusted", "s", claims={"id_number": "123"})),
    )
    assert refusal.field is None


async def test_a_subject_bound_elsewhere_is_not_rebound(rt, phone):
    bindings = Bindings(rt)
    first, second = AccountRef("person", uuid.uuid4()), AccountRef("person", uuid.uuid4())
    assert await bindings.bind("partner", "s-9", first) is True
    assert await bindings.bind("partner", "s-9", first) is False  # the same binding again: nothing new
    await fails(ErrorCode.ALREADY_EXISTS, bindings.bind("partner", "s-9", second))


async def test_own_account_trust_opens_staff_only_in_the_staff_realm(rt):
    method = rt.plugins.login_method("password")
    staff = Assertion("password", str(uuid.uuid4()), subject_kind="staff")
    assert await Bindings(rt).resolve(method, staff) is None
    assert await Bindings(rt).resolve(method, staff, realm="person") is None
    match = await Bindings(rt).resolve(method, staff, realm="staff")
    assert match is not None and (match.account.kind, match.via) == ("staff", "account")
    assert await Bindings(rt).resolve(method, Assertion("password", "not-a-uuid"), realm="person") is None
