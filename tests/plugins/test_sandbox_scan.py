"""``uidp sandbox scan`` against a real ``uidp serve`` (dev profile): the sandbox partners sign callbacks
like the real ones, so a page's scan login of every channel completes, or is rejected, from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.plugins.ca_factory import make_entity, make_person
from tests.plugins.elicense.conftest import REPRESENTATIVE
from tests.test_server_subscriptions import served  # noqa: F401 (the real server fixture)
from uidp.plugin_api import make_credit_code

pytestmark = pytest.mark.anyio

START = """mutation($m: String!) { startLogin(input: {method: $m}) { __typename
  ... on LoginScanTicket { ticket secret } ... on Error { code } } }"""
POLL = """query($id: String!, $s: String!) { loginTicket(id: $id, secret: $s) { __typename
  ... on LoginTicketState { status } ... on Error { code } } }"""
REDEEM = """mutation($id: String!, $s: String!) { redeemLoginTicket(input: {id: $id, secret: $s}) { __typename
  ... on LoginSuccess { viewer { __typename } } ... on Error { code } } }"""


def cli(settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UIDP_DATA_DIR": str(settings.data_dir), "UIDP_DATABASE_URL": settings.resolved_database_url(),
           "UIDP_STORE_URL": settings.store_url, "UIDP_STORE_PREFIX": settings.store_prefix}  # fmt: skip
    command = [sys.executable, "-m", "uidp.cli", "sandbox", "scan", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


async def gql(page: httpx.AsyncClient, query: str, **variables: str) -> dict[str, Any]:
    body = (await page.post("/graphql", json={"query": query, "variables": variables})).json()
    return next(iter(body["data"].values()))


async def test_every_channel_from_the_command_line(request, rt, settings):
    base = request.getfixturevalue("served")
    person = await make_person(rt, number=REPRESENTATIVE)
    entity = await make_entity(rt, make_credit_code("91", "420100", "MA4K0000"))
    entity.representative_id = person.id
    await entity.save()
    code = make_credit_code("91", "420100", "MA4K0000")
    async with httpx.AsyncClient(base_url=base) as page:
        for channel, extra, viewer in (
            ("ehuiban", [], "PersonAccount"),
            ("esscard", [], "PersonAccount"),
            ("elicense", ["--credit-code", code, "--role", "legal_representative"], "EntityAccount"),
        ):
            ticket = await gql(page, START, m=channel)
            assert ticket["__typename"] == "LoginScanTicket", ticket
            done = cli(settings, ticket["ticket"], "--channel", channel, "--as", REPRESENTATIVE, "--url", base, *extra)
            assert done.returncode == 0, done.stdout + done.stderr
            assert "confirmed: 200" in done.stdout
            redeemed = await gql(page, REDEEM, id=ticket["ticket"], s=ticket["secret"])
            assert redeemed["viewer"]["__typename"] == viewer, (channel, redeemed)

        ticket = await gql(page, START, m="ehuiban")
        rejected = cli(settings, ticket["ticket"], "--channel", "ehuiban", "--as", REPRESENTATIVE, "--url", base,
                       "--reject")  # fmt: skip
        assert rejected.returncode == 0 and "rejected: 200" in rejected.stdout, rejected.stdout + rejected.stderr
        assert (await gql(page, POLL, id=ticket["ticket"], s=ticket["secret"]))["status"] == "REJECTED"


def test_a_ticket_starting_with_a_dash_is_a_ticket(settings):
    """Ticket ids are URL-safe base64: one in 64 starts with "-", which must not read as an option."""
    done = cli(settings, "-abc" + "T" * 39, "--channel", "esscard", "--as", REPRESENTATIVE, "--name", "张三",
               "--url", "http://127.0.0.1:9")  # fmt: skip
    assert "usage:" not in done.stderr and "127.0.0.1:9" in done.stderr


def test_the_command_refuses_what_it_cannot_sign(settings):
    unknown = cli(
        settings, "T" * 43, "--channel", "ehuiban", "--as", "110101199003077774", "--url", "http://127.0.0.1:9"
    )
    assert unknown.returncode != 0 and "no person is registered" in unknown.stderr
    bad = cli(settings, "T" * 43, "--channel", "esscard", "--as", "110101199003077775")
    assert bad.returncode != 0 and "--as" in bad.stderr
    production = subprocess.run(
        [sys.executable, "-m", "uidp.cli", "sandbox", "scan", "T", "--channel", "esscard", "--as", "1"],
        env={**os.environ, "UIDP_PROFILE": "production"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert production.returncode != 0
