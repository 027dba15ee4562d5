"""The whole path with the app's own outbox worker running (no pass of the test's): a change made through HTTP
(GraphQL or the logout page) reaches a real local receiver as a logout token or a security event token."""

from __future__ import annotations

import asyncio

import pytest

from plugins.sandbox.bank_card import TEST_CARDS
from tests.oidc_logout_support import authorize
from tests.oidc_support import make_oidc_client
from tests.services.oidc.receiver import receiver
from tests.support import resident_id
from uidp.domain.oidc_events import SecurityEventType
from uidp.models.oidc_delivery import OidcDelivery
from uidp.services.auth.sessions import Sessions
from uidp.services.oidc.keys import SigningKeys

pytestmark = pytest.mark.anyio
PHONE = "15012340058"
CLIENT_ID = "rp-over-http"
MY_CODE = "mutation { sendMyPhoneCode(input: {purpose: CANCEL_ACCOUNT}) { __typename } }"
CANCEL = """mutation($i: CancelAccountInput!) { cancelAccount(input: $i) { __typename } }"""
VERIFY = """mutation($i: VerifyBankCardInput!) { verifyBankCard(input: $i) { __typename
  ... on BankCheckResult { level } } }"""


async def until(probe, seconds: float = 10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not probe():
        assert loop.time() < deadline, "the receiver got nothing in time"
        await asyncio.sleep(0.05)


async def connected_person(api, rt, recv):
    """A registered person logged in through GraphQL, and an authorization of the receiver's system on it."""
    recv.jwks = await SigningKeys(rt).jwks()
    client = (
        await make_oidc_client(
            rt,
            client_id=CLIENT_ID,
            backchannel_logout_uri=recv.logout_uri,
            event_uri=recv.event_uri,
            event_types=[event.value for event in SecurityEventType],
        )
    ).row
    assert (await api.register(api.id_card_form(phone=PHONE)))["__typename"] == "PersonRegistered"
    token = (await api.login(PHONE))["token"]
    principal = await Sessions(rt).principal(token)
    authorization = await authorize(rt, client, principal)
    return token, authorization


async def test_cancelling_through_graphql_sends_the_logout_and_the_account_purged_event(api, rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        token, authorization = await connected_person(api, rt, recv)
        assert (await api.data(MY_CODE, token=token))["sendMyPhoneCode"]["__typename"] == "SmsCodeSent"
        form = {"certificateNumber": resident_id(), "smsCode": api.last_code(PHONE)}
        cancelled = await api.data(CANCEL, {"i": form}, token=token)
        assert cancelled["cancelAccount"]["__typename"] == "AccountCancelled"

        await until(lambda: len(recv.logouts) == 1 and len(recv.events) == 1)
        assert recv.problems == []
        assert recv.logouts[0]["sid"] == str(authorization.id)
        assert list(recv.events[0]["events"]) == [SecurityEventType.ACCOUNT_CANCELLED.value]
        for _ in range(100):  # the row is marked once the answer is read, just after the receiver kept the token
            if await OidcDelivery.filter(state="delivered").count() == 2:
                break
            await asyncio.sleep(0.05)
        assert await OidcDelivery.filter(state="delivered").count() == 2


async def test_a_bank_card_check_through_graphql_sends_the_level_change(api, rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        token, _ = await connected_person(api, rt, recv)
        checked = await api.data(VERIFY, {"i": {"cardNumber": TEST_CARDS["01"], "reservedPhone": PHONE}}, token=token)
        assert checked["verifyBankCard"]["level"] == "MEDIUM"

        await until(lambda: len(recv.events) == 1)
        assert recv.problems == [] and recv.logouts == []
        event = recv.events[0]["events"][SecurityEventType.LEVEL_CHANGED.value]
        assert (event["previous_level"], event["current_level"]) == ("urn:uidp:level:1", "urn:uidp:level:2")
