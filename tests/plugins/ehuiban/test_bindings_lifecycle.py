"""Bindings in the user space through HTTP (P11, P10): a scan login's binding is listed, removed only by its
owner's session and audited, a person keeps a way to log in, and cancellation deletes every binding."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.plugins.scan_channels import Partner, gql, redeem, registered_person, start
from tests.support import Api, browser, resident_id
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.credential import Credential
from uidp.plugin_api import SignAlgorithm

pytestmark = pytest.mark.anyio

BINDINGS = "{ me { ... on PersonAccount { bindings { provider createdAt maskedDisplay } } } }"
UNBIND = """mutation($p: String!) { unbindLogin(input: {provider: $p}) { __typename
  ... on LoginUnbound { provider } ... on Error { code message field } } }"""
MY_CODE = """mutation { sendMyPhoneCode(input: {purpose: CANCEL_ACCOUNT}) { __typename
  ... on SmsCodeSent { maskedPhone } } }"""
CANCEL = """mutation($i: CancelAccountInput!) { cancelAccount(input: $i) { __typename
  ... on AccountCancelled { ok } ... on Error { code message field } } }"""


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    return await registered_person(api)


async def ehuiban_login(client: Any, app: Any, rt: Any, person: dict[str, Any], user_id: str = "ehb-7") -> dict:
    ticket = await start(client, "ehuiban")
    async with browser(app, "198.51.100.20") as http:
        partner = Partner(http, rt, "ehuiban", SignAlgorithm.RSA)
        fields = {"user_id": user_id, "name": person["name"], "id_number": person["id_number"]}
        assert (await partner.confirm(ticket["ticket"], **fields))[0] == 200
    return await redeem(client, ticket)


async def test_a_scan_binding_is_listed_and_removed_by_its_owner(api, client, app, rt, person):
    token = (await ehuiban_login(client, app, rt, person))["token"]
    listed = (await api.data(BINDINGS, token=token))["me"]["bindings"]
    assert [(b["provider"], b["maskedDisplay"]) for b in listed] == [("ehuiban", "陈*")]
    other = await api.register(api.id_card_form(phone="15012340059", certificateNumber=resident_id(seq="131")))
    other_token = (await api.login("15012340059"))["token"]
    assert other["__typename"] == "PersonRegistered"
    foreign = (await api.data(UNBIND, {"p": "ehuiban"}, token=other_token))["unbindLogin"]
    assert foreign["code"] == "NOT_FOUND" and await ExternalBinding.exists()
    async with browser(app, "198.51.100.99") as stranger:  # no session at all
        anonymous = await gql(stranger, UNBIND, {"p": "ehuiban"})
    assert anonymous["code"] == "NOT_AUTHENTICATED" and await ExternalBinding.exists()
    assert (await api.data(UNBIND, {"p": "ehuiban"}, token=token))["unbindLogin"] == {
        "__typename": "LoginUnbound",
        "provider": "ehuiban",
    }
    assert not await ExternalBinding.exists()
    assert (await AuditEvent.get(event_type="binding.removed")).details["provider"] == "ehuiban"


async def test_the_last_way_to_log_in_cannot_be_unbound(api, client, app, rt, person):
    token = (await ehuiban_login(client, app, rt, person))["token"]
    await Credential.filter(subject_id=person["id"]).delete()  # an account without a password (no such flow yet)
    refused = (await api.data(UNBIND, {"p": "ehuiban"}, token=token))["unbindLogin"]
    assert (refused["code"], refused["field"]) == ("LAST_LOGIN_METHOD", "provider")
    assert await ExternalBinding.exists()
    assert not await AuditEvent.filter(event_type="binding.removed").exists()


async def test_cancellation_deletes_the_bindings(api, client, app, rt, person):
    token = (await ehuiban_login(client, app, rt, person))["token"]
    assert await ExternalBinding.filter(provider="ehuiban").exists()
    await api.data(MY_CODE, token=token)
    form = {"certificateNumber": person["id_number"], "smsCode": api.last_code("15012340058")}
    assert (await api.data(CANCEL, {"i": form}, token=token))["cancelAccount"]["__typename"] == "AccountCancelled"
    assert not await ExternalBinding.exists()
    again = await ehuiban_login(client, app, rt, person)  # the same app user: no account any more
    assert again["__typename"] == "BindingRequired", again


async def test_concurrent_unbinds_keep_one_way_in(api, client, app, rt, person):
    """Two bindings, no password: of two concurrent unbinds exactly one goes through."""
    token = (await ehuiban_login(client, app, rt, person))["token"]
    ticket = await start(client, "esscard")
    async with browser(app, "198.51.100.40") as http:
        card = Partner(http, rt, "esscard", SignAlgorithm.RSA)
        await card.confirm(ticket["ticket"], name=person["name"], id_number=person["id_number"])
    assert (await redeem(client, ticket))["__typename"] == "LoginSuccess"
    await Credential.filter(subject_id=person["id"]).delete()
    answers = await asyncio.gather(
        *(api.data(UNBIND, {"p": provider}, token=token) for provider in ("ehuiban", "esscard"))
    )
    kinds = sorted(answer["unbindLogin"].get("code", answer["unbindLogin"]["__typename"]) for answer in answers)
    assert kinds == ["LAST_LOGIN_METHOD", "LoginUnbound"]
    assert await ExternalBinding.filter(subject_id=person["id"]).count() == 1
