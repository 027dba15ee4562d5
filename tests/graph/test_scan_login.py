"""Scan login through HTTP (issue 9 items 1-3): startLogin's QR ticket, the partner's callback moving it
through the engine (``tests.scan_partner``), the page polling it and redeeming it once, and every refusal."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.partner_login import params
from tests.scan_partner import CALLBACK, ScanPartnerPlugin
from tests.support import Api, browser
from uidp.models.audit import AuditEvent
from uidp.models.session import Session

pytestmark = pytest.mark.anyio

START = """
mutation($i: StartLoginInput!) { startLogin(input: $i) {
  __typename
  ... on LoginScanTicket { ticket secret qrPayload qrSvg qrPng expiresAt refreshSeconds }
  ... on Error { code message field }
} }"""

POLL = """
query($id: String!, $secret: String!) { loginTicket(id: $id, secret: $secret) {
  __typename
  ... on LoginTicketState { status expiresAt refreshSeconds }
  ... on Error { code message field }
} }"""

REDEEM = """
mutation($i: RedeemLoginTicketInput!) { redeemLoginTicket(input: $i) {
  __typename
  ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } } }
  ... on BindingRequired { ticket provider accountKind }
  ... on Error { code message field }
} }"""


@pytest.fixture
def extra_plugins() -> list[Any]:
    return [ScanPartnerPlugin()]


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    form = api.id_card_form()
    result = await api.register(form)
    assert result["__typename"] == "PersonRegistered", result
    return {**result["account"], "id_number": form["certificateNumber"]}


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def start(client: httpx.AsyncClient, method: str = "scanapp", **values: str) -> dict[str, Any]:
    started = await gql(client, START, {"i": {"method": method, "params": params(values)}})
    assert started["__typename"] == "LoginScanTicket", started
    return started


async def poll(client: httpx.AsyncClient, ticket: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    return await gql(client, POLL, {"id": ticket["ticket"], "secret": secret or ticket["secret"]})


async def redeem(client: httpx.AsyncClient, ticket: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    return await gql(client, REDEEM, {"i": {"id": ticket["ticket"], "secret": secret or ticket["secret"]}})


async def partner(client: httpx.AsyncClient, action: str, ticket: str, method: str = "scanapp", **extra: Any):
    """The partner's backend calling our callback route; (HTTP status, body)."""
    response = await client.post(CALLBACK, json={"method": method, "ticket": ticket, "action": action, **extra})
    return response.status_code, response.json()


async def confirm_as(client: httpx.AsyncClient, ticket: str, person: dict[str, Any], method: str = "scanapp"):
    scanned = {"status": "SCANNED", "kept": {"nonce": "n-" + ticket[:8]}}  # what start kept comes back
    assert await partner(client, "scan", ticket, method) == (200, scanned)
    claims = {"id_number": person["id_number"], "name": "陈心"}
    status, body = await partner(client, "confirm", ticket, method, subject="app-user-1", claims=claims)
    assert (status, body["status"]) == (200, "CONFIRMED")


async def test_scan_confirm_redeem_logs_the_person_in_once(client, app, person, clock):
    ticket = await start(client)
    assert ticket["qrPayload"] == f"scanapp://login?t={ticket['ticket']}"
    assert ticket["qrSvg"].startswith("<svg") and ticket["qrPng"].startswith("data:image/png;base64,")
    assert len(ticket["ticket"]) >= 22 and ticket["secret"] != ticket["ticket"]  # >= 128 bits each
    assert ticket["refreshSeconds"] is None
    assert (await poll(client, ticket))["status"] == "PENDING"
    async with browser(app) as backend:  # the partner's backend: no cookie of the page
        await confirm_as(backend, ticket["ticket"], person)
    assert (await poll(client, ticket))["status"] == "CONFIRMED"
    assert not await Session.exists()

    done = await redeem(client, ticket)
    assert done["__typename"] == "LoginSuccess", done
    assert done["viewer"]["id"] == person["id"]
    session = await Session.get()
    assert session.login_method == "scanapp"
    assert (await poll(client, ticket))["status"] == "REDEEMED"
    again = await redeem(client, ticket)
    assert (again["code"], again["field"]) == ("SCAN_TICKET_REDEEMED", "id")
    assert await Session.all().count() == 1

    events = [e.event_type for e in await AuditEvent.all().order_by("at", "id")]
    for expected in ("scan_ticket.issued", "scan_ticket.scanned", "scan_ticket.confirmed", "scan_ticket.redeemed",
                     "login.succeeded"):  # fmt: skip
        assert expected in events, events
    for event in await AuditEvent.filter(event_type__startswith="scan_ticket"):
        flat = str(event.details)
        assert person["id_number"] not in flat and ticket["ticket"] not in flat and ticket["secret"] not in flat


async def test_an_untrusted_channel_asks_for_a_binding(client, app, person):
    ticket = await start(client, "otherscan")
    async with browser(app) as backend:
        await confirm_as(backend, ticket["ticket"], person, "otherscan")
    needed = await redeem(client, ticket)
    assert needed["__typename"] == "BindingRequired", needed
    assert (needed["provider"], needed["accountKind"]) == ("otherscan", "person")
    assert not await Session.exists()


async def test_a_rejected_ticket_redeems_nothing(client, app, person):
    ticket = await start(client)
    async with browser(app) as backend:
        assert (await partner(backend, "scan", ticket["ticket"]))[0] == 200
        assert (await partner(backend, "reject", ticket["ticket"]))[1]["status"] == "REJECTED"
        assert await partner(backend, "confirm", ticket["ticket"], subject="x") == (409, {"code": "SCAN_TICKET_STATE"})
    assert (await poll(client, ticket))["status"] == "REJECTED"
    refused = await redeem(client, ticket)
    assert (refused["code"], refused["field"]) == ("SCAN_TICKET_STATE", "id")
    assert not await Session.exists()


async def test_transitions_out_of_order_are_refused_and_change_nothing(client, app, person):
    ticket = await start(client)
    async with browser(app) as backend:
        assert await partner(backend, "confirm", ticket["ticket"], subject="x") == (409, {"code": "SCAN_TICKET_STATE"})
        assert await partner(backend, "reject", ticket["ticket"]) == (409, {"code": "SCAN_TICKET_STATE"})
        assert (await poll(client, ticket))["status"] == "PENDING"
        early = await redeem(client, ticket)
        assert (early["code"], early["field"]) == ("SCAN_TICKET_STATE", "id")
        assert (await partner(backend, "scan", ticket["ticket"]))[0] == 200
        assert await partner(backend, "scan", ticket["ticket"]) == (409, {"code": "SCAN_TICKET_STATE"})
        assert (await poll(client, ticket))["status"] == "SCANNED"
        unknown = await partner(backend, "scan", "x" * 43)
        assert unknown == (409, {"code": "SCAN_TICKET_INVALID"})
    reasons = {e.details["reason"] for e in await AuditEvent.filter(event_type="scan_ticket.refused")}
    assert reasons == {"pending", "scanned", "unknown"}


async def test_a_ticket_of_one_channel_cannot_be_moved_by_another(client, app, person):
    ticket = await start(client, "otherscan")
    async with browser(app) as backend:
        other = await partner(backend, "scan", ticket["ticket"], "scanapp")
        assert other == (409, {"code": "SCAN_TICKET_OTHER_CHANNEL"})
        assert (await partner(backend, "scan", ticket["ticket"], "otherscan"))[0] == 200
        claims = {"id_number": person["id_number"]}
        wrong = await partner(backend, "confirm", ticket["ticket"], "scanapp", subject="app-user-1", claims=claims)
        assert wrong == (409, {"code": "SCAN_TICKET_OTHER_CHANNEL"})
    assert (await poll(client, ticket))["status"] == "SCANNED"


async def test_expired_tickets_move_no_more_and_redeem_nothing(client, app, person, clock):
    ticket = await start(client, lifetime="30")
    async with browser(app) as backend:
        assert (await partner(backend, "scan", ticket["ticket"]))[0] == 200
        clock.advance(31)
        assert (await poll(client, ticket))["status"] == "EXPIRED"
        late = await partner(backend, "confirm", ticket["ticket"], subject="x", claims={})
        assert late == (409, {"code": "SCAN_TICKET_EXPIRED"})
        unscanned = await start(client)
        clock.advance(121)  # scanned after its life: refused, and it stays unscanned
        assert await partner(backend, "scan", unscanned["ticket"]) == (409, {"code": "SCAN_TICKET_EXPIRED"})
        assert await AuditEvent.filter(event_type="scan_ticket.scanned").count() == 1  # the first ticket only
        confirmed = await start(client)
        await confirm_as(backend, confirmed["ticket"], person)
    clock.advance(61)  # confirmed, but not redeemed within a minute
    assert (await poll(client, confirmed))["status"] == "EXPIRED"
    refused = await redeem(client, confirmed)
    assert (refused["code"], refused["field"]) == ("SCAN_TICKET_EXPIRED", "id")
    assert not await Session.exists()


async def test_a_foreign_secret_or_browser_learns_nothing_and_spends_nothing(client, app, person):
    ticket = await start(client)
    other = await start(client)
    async with browser(app) as backend:
        await confirm_as(backend, ticket["ticket"], person)
    for secret in (other["secret"], "x" * 43, "x" * 128):
        assert await poll(client, ticket, secret) == {
            "__typename": "FieldError",
            "code": "SCAN_TICKET_INVALID",
            "message": "扫码登录凭证无效，请刷新二维码",
            "field": "id",
        }
        refused = await redeem(client, ticket, secret)
        assert (refused["code"], refused["field"]) == ("SCAN_TICKET_INVALID", "id")
    too_long = await poll(client, ticket, "x" * 129)  # the edge refuses it before any lookup
    assert (too_long["code"], too_long["field"]) == ("INPUT_TOO_LONG", "secret")
    unknown = await gql(client, POLL, {"id": "y" * 43, "secret": ticket["secret"]})
    assert (unknown["code"], unknown["field"]) == ("SCAN_TICKET_INVALID", "id")
    async with browser(app) as stranger:  # holds id and secret (say, a shoulder-surfed screen), not the cookie
        stolen = await redeem(stranger, ticket)
        assert (stolen["code"], stolen["field"]) == ("SCAN_TICKET_INVALID", "id")
    assert not await Session.exists()
    assert (await redeem(client, ticket))["__typename"] == "LoginSuccess"  # the page itself still can


async def test_completelogin_does_not_complete_a_scan_method(client, person):
    ticket = await start(client)
    complete = """mutation($i: CompleteLoginInput!) { completeLogin(input: $i) {
      __typename ... on Error { code field } } }"""
    result = await gql(client, complete, {"i": {"method": "scanapp", "state": ticket["ticket"], "params": []}})
    assert (result["code"], result["field"]) == ("LOGIN_STATE_INVALID", "state")


async def test_two_concurrent_confirmations_exactly_one_wins(client, app, person):
    ticket = await start(client)
    async with browser(app) as backend:
        assert (await partner(backend, "scan", ticket["ticket"]))[0] == 200
        claims = {"id_number": person["id_number"]}
        confirmations = [
            partner(backend, "confirm", ticket["ticket"], subject=f"app-user-{i}", claims=claims) for i in range(8)
        ]
        results = await asyncio.gather(*confirmations)
    assert sorted(status for status, _ in results) == [200] + [409] * 7
    assert {body.get("code") for status, body in results if status == 409} == {"SCAN_TICKET_STATE"}
    assert await AuditEvent.filter(event_type="scan_ticket.confirmed").count() == 1


async def test_two_concurrent_redemptions_open_one_session(client, person, app):
    ticket = await start(client)
    async with browser(app) as backend:
        await confirm_as(backend, ticket["ticket"], person)
    results = await asyncio.gather(*(redeem(client, ticket) for _ in range(6)))
    assert sorted(r["__typename"] for r in results) == ["FieldError"] * 5 + ["LoginSuccess"]
    assert {r["code"] for r in results if r["__typename"] == "FieldError"} == {"SCAN_TICKET_REDEEMED"}
    assert await Session.all().count() == 1


async def test_a_refreshing_method_says_so(client):
    ticket = await start(client, lifetime="60", refresh="60")
    assert ticket["refreshSeconds"] == 60
    state = await poll(client, ticket)
    assert (state["status"], state["refreshSeconds"]) == ("PENDING", 60)
