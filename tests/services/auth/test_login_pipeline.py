"""startLogin / completeLogin / completeBinding at the service level: single use under concurrency, and the
browser each single-use value is bound to."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.partner_login import PartnerPlugin
from tests.support import fails
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.binding import ExternalBinding
from uidp.models.session import Session
from uidp.services.auth.partner_login import BindingNeeded, LoginFlows
from uidp.services.auth.pipeline import LoginOutcome
from uidp.services.persons.seeding import seed_persons
from uidp.services.shared.principal import ClientInfo

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")
PASSWORD = "Seed#Pass2026"
BROWSER = "browser-cookie-of-the-test"


@pytest.fixture
def plugin() -> PartnerPlugin:
    return PartnerPlugin()


@pytest.fixture
def extra_plugins(plugin: PartnerPlugin) -> list[Any]:
    return [plugin]


@pytest.fixture
async def phone(rt, settings) -> str:
    return (await seed_persons(settings, 1, PASSWORD))[0]


async def login(rt, plugin, subject: str, method: str = "partner", browser: str = BROWSER, **claims: Any):
    flows = LoginFlows(rt)
    started = await flows.start(method, {}, CLIENT, browser)
    code = plugin.authorize(method, subject, **claims)
    return await flows.complete(method, started.state, {"code": code}, CLIENT, browser)


async def test_concurrent_completions_of_one_state_open_one_session(rt, plugin, phone):
    flows = LoginFlows(rt)
    needed = await login(rt, plugin, "s-10")
    assert isinstance(needed, BindingNeeded)
    await flows.redeem(needed.ticket, phone, PASSWORD, CLIENT, BROWSER)
    started = await flows.start("partner", {}, CLIENT, BROWSER)
    codes = [plugin.authorize("partner", "s-10") for _ in range(6)]
    results = await asyncio.gather(
        *(flows.complete("partner", started.state, {"code": code}, CLIENT, BROWSER) for code in codes),
        return_exceptions=True,
    )
    assert sum(isinstance(r, LoginOutcome) for r in results) == 1
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 5 and {r.code for r in refused} == {ErrorCode.LOGIN_STATE_INVALID}


async def test_concurrent_redemptions_of_one_ticket_bind_once(rt, plugin, phone):
    needed = await login(rt, plugin, "s-11")
    assert isinstance(needed, BindingNeeded)
    flows = LoginFlows(rt)
    results = await asyncio.gather(
        *(flows.redeem(needed.ticket, phone, PASSWORD, CLIENT, BROWSER) for _ in range(6)), return_exceptions=True
    )
    assert sum(isinstance(r, LoginOutcome) for r in results) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {ErrorCode.BINDING_TICKET_INVALID}
    assert await ExternalBinding.all().count() == 1 and await Session.all().count() == 1


async def test_tickets_and_states_belong_to_their_browser(rt, plugin, phone):
    flows = LoginFlows(rt)
    started = await flows.start("partner", {}, CLIENT, BROWSER)
    code = plugin.authorize("partner", "s-12")
    for other in ("another-browser", ""):
        await fails(
            ErrorCode.LOGIN_STATE_INVALID, flows.complete("partner", started.state, {"code": code}, CLIENT, other)
        )
    needed = await flows.complete("partner", started.state, {"code": code}, CLIENT, BROWSER)
    assert isinstance(needed, BindingNeeded)
    for other in ("another-browser", None):
        await fails(ErrorCode.BINDING_TICKET_INVALID, flows.redeem(needed.ticket, phone, PASSWORD, CLIENT, other))
    outcome = await flows.redeem(needed.ticket, phone, PASSWORD, CLIENT, BROWSER)
    assert outcome.subject_kind == "person"


async def test_an_entity_subject_binds_with_the_entitys_password(rt, plugin, phone):
    needed = await login(rt, plugin, "licence-1", kind="entity")
    assert isinstance(needed, BindingNeeded) and needed.account_kind == "entity"
    # a person's identifier names no entity: refused like a wrong password
    await fails(ErrorCode.INVALID_CREDENTIALS, LoginFlows(rt).redeem(needed.ticket, phone, PASSWORD, CLIENT, BROWSER))
