"""The step-ticket helper: issued bound to a flow with its data and lifetime, read without spending, spent once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.support import fails
from uidp.domain.errors import ErrorCode
from uidp.services.shared.step_tickets import StepTickets

pytestmark = pytest.mark.anyio
INVALID = "步骤已失效，请重新开始"


def tickets(rt, flow="demo", seconds=60):
    return StepTickets(rt, flow, seconds=seconds, invalid=INVALID)


async def test_read_does_not_spend_and_spend_is_once(rt):
    flow = tickets(rt)
    issued = await flow.issue({"person": "p-1", "step": 1})
    assert issued.expires_at == rt.clock.now() + timedelta(seconds=60)
    assert (await flow.read(issued.token)).data == {"person": "p-1", "step": 1}
    assert (await flow.read(issued.token)).data == {"person": "p-1", "step": 1}
    assert (await flow.spend(issued.token)).data == {"person": "p-1", "step": 1}
    refused = await fails(ErrorCode.STEP_INVALID, flow.spend(issued.token), "ticket")
    assert refused.message == INVALID
    await fails(ErrorCode.STEP_INVALID, flow.read(issued.token), "ticket")


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 129])
async def test_unknown_tokens_are_step_invalid(rt, token):
    await fails(ErrorCode.STEP_INVALID, tickets(rt).read(token), "ticket")
    await fails(ErrorCode.STEP_INVALID, tickets(rt).spend(token), "ticket")


async def test_a_ticket_is_bound_to_its_flow(rt):
    issued = await tickets(rt, "recovery").issue({"person": "p-1"})
    await fails(ErrorCode.STEP_INVALID, tickets(rt, "entity-contact").read(issued.token), "ticket")
    await fails(ErrorCode.STEP_INVALID, tickets(rt, "entity-contact").spend(issued.token), "ticket")
    assert (await tickets(rt, "recovery").spend(issued.token)).data == {"person": "p-1"}


async def test_tickets_expire(rt, clock):
    flow = tickets(rt, seconds=1)
    issued = await flow.issue({"person": "p-1"})
    clock.advance(2)
    await asyncio.sleep(1.1)  # Redis TTLs run on real time
    await fails(ErrorCode.STEP_INVALID, flow.read(issued.token), "ticket")
    await fails(ErrorCode.STEP_INVALID, flow.spend(issued.token), "ticket")


async def test_secrets_are_sealed_in_the_store_for_this_ticket(rt):
    flow = tickets(rt)
    issued = await flow.issue({"person": ""}, secrets={"number": "420102199001011215"})
    ticket = await flow.read(issued.token)
    assert ticket.data == {"person": "", "number": "420102199001011215"}
    assert "420102199001011215" not in (await rt.store.get(ticket.key) or "")
    assert issued.token not in ticket.key  # the store names the ticket by its digest only


async def test_advance_keeps_secrets_and_expiry_and_never_revives(rt):
    flow = tickets(rt)
    issued = await flow.issue({"step": 1}, secrets={"number": "N-1"})
    ticket = await flow.read(issued.token)
    left = await rt.store.ttl(ticket.key)
    await flow.advance(ticket, {"step": 2})
    assert (await flow.read(issued.token)).data == {"step": 2, "number": "N-1"}
    assert (await rt.store.ttl(ticket.key) or 0) <= (left or 0)
    await flow.spend(issued.token)
    await fails(ErrorCode.STEP_INVALID, flow.advance(ticket, {"step": 3}), "ticket")
    await fails(ErrorCode.STEP_INVALID, flow.read(issued.token), "ticket")


async def test_concurrent_spends_of_one_ticket_have_exactly_one_winner(rt):
    """On the in-process store and on Redis (UIDP_TEST_STORE_URL) alike: the store's atomic take decides."""
    flow = tickets(rt)
    issued = await flow.issue({"person": "p-1"})
    results = await asyncio.gather(*(flow.spend(issued.token) for _ in range(20)), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert [w.data for w in winners] == [{"person": "p-1"}]
    assert all(getattr(r, "code", None) == ErrorCode.STEP_INVALID for r in results if r not in winners)
