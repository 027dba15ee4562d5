"""What the ehuiban, esscard and elicense tests share: the page's side of a scan login (startLogin and polling
from tests/graph/test_scan_login.py; redeemLoginTicket for both account kinds) and the partner's side
(signed callbacks from the channel's sandbox partner)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.graph.test_scan_login import gql, poll, start
from uidp.plugin_api import SignAlgorithm, sandbox_partner

REDEEM = """
mutation($i: RedeemLoginTicketInput!) { redeemLoginTicket(input: $i) {
  __typename
  ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } ... on EntityAccount { id } } }
  ... on BindingRequired { ticket provider accountKind }
  ... on Error { code message field }
} }"""

_nonces = itertools.count()


async def registered_person(api: Any) -> dict[str, Any]:
    """A person registered through the API, with the ID number and name a partner would verify."""
    form = api.id_card_form()
    result = await api.register(form)
    assert result["__typename"] == "PersonRegistered", result
    return {**result["account"], "id_number": form["certificateNumber"], "name": form["name"]}


async def status(client: httpx.AsyncClient, ticket: dict[str, Any]) -> str:
    return (await poll(client, ticket))["status"]


async def redeem(client: httpx.AsyncClient, ticket: dict[str, Any]) -> dict[str, Any]:
    return await gql(client, REDEEM, {"i": {"id": ticket["ticket"], "secret": ticket["secret"]}})


class Partner:
    """A channel's sandbox partner calling the channel's callback route with signed messages."""

    def __init__(self, client: httpx.AsyncClient, rt: Any, channel: str, algorithm: SignAlgorithm) -> None:
        self.client = client
        self.rt = rt
        self.channel = channel
        self.signer = sandbox_partner(rt.settings.data_dir, channel, algorithm)
        self.path = f"/plugins/{channel}/callback"

    def message(self, ticket: str, event: str, **fields: str) -> dict[str, str]:
        body = {
            "partner_id": self.signer.partner_id,
            "timestamp": str(int(self.rt.clock.now().timestamp())),
            "nonce": f"nonce-{next(_nonces):012d}",
            "ticket": ticket,
            "event": event,
            **fields,
        }
        body["sign"] = self.signer.sign(body)
        return body

    async def post(self, body: dict[str, str], path: str | None = None) -> tuple[int, dict[str, Any]]:
        response = await self.client.post(path or self.path, json=body)
        return response.status_code, response.json()

    async def send(self, ticket: str, event: str, **fields: str) -> tuple[int, dict[str, Any]]:
        return await self.post(self.message(ticket, event, **fields))

    async def confirm(self, ticket: str, **fields: str) -> tuple[int, dict[str, Any]]:
        """Scanned, then confirmed with ``fields``; the confirmation's answer."""
        assert await self.send(ticket, "scanned") == (200, {"ok": True, "status": "SCANNED"})
        return await self.send(ticket, "confirmed", **fields)


__all__ = ["Partner", "gql", "poll", "redeem", "registered_person", "start", "status"]
