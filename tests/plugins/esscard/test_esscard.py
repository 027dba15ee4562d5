"""plugins.esscard through HTTP (P6): the card platform's signed confirmation (verified name + ID number)
matched to the person by ID number, and its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.scan_channels import Partner, redeem, registered_person, start, status
from tests.support import Api, browser, resident_id
from uidp.models.binding import ExternalBinding
from uidp.models.session import Session
from uidp.plugin_api import SignAlgorithm

pytestmark = pytest.mark.anyio


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    return await registered_person(api)


@pytest.fixture
async def card(app: Any, rt: Any):
    async with browser(app, "198.51.100.40") as http:
        yield Partner(http, rt, "esscard", SignAlgorithm.RSA)


async def test_the_card_holder_is_logged_in_by_id_number(client, card, person):
    ticket = await start(client, "esscard")
    assert ticket["qrPayload"].endswith(f"?ticket={ticket['ticket']}")
    assert (await card.confirm(ticket["ticket"], name=person["name"], id_number=person["id_number"]))[0] == 200
    done = await redeem(client, ticket)
    assert done["__typename"] == "LoginSuccess" and done["viewer"]["id"] == person["id"], done
    assert (await Session.get()).login_method == "esscard"
    assert str((await ExternalBinding.get(provider="esscard")).subject_id) == person["id"]


async def test_an_unknown_card_holder_is_asked_to_bind(client, card, person):
    ticket = await start(client, "esscard")
    await card.confirm(ticket["ticket"], name="李四", id_number=resident_id(seq="555"))
    answer = await redeem(client, ticket)
    assert answer["__typename"] == "BindingRequired", answer


async def test_a_malformed_id_number_is_refused(client, card, person):
    ticket = await start(client, "esscard")
    code, body = await card.confirm(ticket["ticket"], name=person["name"], id_number="42010219900101")
    assert (code, body["code"]) == (400, "INVALID_ID_NUMBER")
    assert await status(client, ticket) == "SCANNED"


async def test_an_ehuiban_ticket_cannot_be_moved_by_the_card_platform(client, card):
    ticket = await start(client, "ehuiban")
    assert (await card.send(ticket["ticket"], "scanned"))[1]["code"] == "SCAN_TICKET_OTHER_CHANNEL"
