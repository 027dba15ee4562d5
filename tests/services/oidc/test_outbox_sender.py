"""The outbox's sender (C3) against a real local HTTP receiver that checks every token strictly: logout tokens
POSTed as forms, delivered on 2xx, retried with backoff, given up after 8 attempts, one sender per row."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.oidc_logout_support import CLIENT, authorize, log_in
from tests.oidc_support import make_oidc_client
from tests.services.oidc.receiver import receiver
from tests.support import register_person
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcClient
from uidp.models.oidc_delivery import OidcDelivery
from uidp.models.session import Session
from uidp.services.oidc.access_tokens import TokenMint
from uidp.services.oidc.claims import pairwise_sub
from uidp.services.oidc.deliveries import OutboxWorker
from uidp.services.oidc.keys import SigningKeys
from uidp.services.oidc.outbox import DeliveryKind, enqueue
from uidp.services.oidc.sender import MAX_ATTEMPTS, OutboxSender, retry_delay

pytestmark = pytest.mark.anyio
CLIENT_ID = "rp-logout"


@pytest.fixture
def settings(make_settings):
    return make_settings(oidc_outbox_seconds=0)  # no worker of the app's own: each test runs its passes


async def connected(rt, recv, **fields):
    """The receiver's system, registered with its back-channel logout URI, and the keys it trusts."""
    recv.jwks = await SigningKeys(rt).jwks()
    return (await make_oidc_client(rt, client_id=CLIENT_ID, backchannel_logout_uri=recv.logout_uri, **fields)).row


async def ended_login(rt, client):
    """A person's login at ``client`` whose uidp session then ended: the authorization."""
    await register_person(rt, CLIENT)
    me, _ = await log_in(rt)
    authorization = await authorize(rt, client, me)
    await Session.filter(id=me.session_id).update(revoked_at=rt.clock.now(), revoked_reason="logout")
    return authorization


async def test_a_logout_token_is_posted_and_delivered_with_the_sid_of_the_id_token(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await connected(rt, recv)
        authorization = await ended_login(rt, client)
        report = await OutboxWorker(rt).pass_once()

        assert (report.staged.queued, report.sent.delivered) == (1, 1)
        assert recv.problems == [] and len(recv.logouts) == 1
        [token] = recv.logouts
        [row] = await OidcDelivery.all()
        assert token["jti"] == row.jti and token["aud"] == CLIENT_ID
        assert token["sub"] == pairwise_sub(rt, client, "person", authorization.subject_id)
        assert token["exp"] - token["iat"] == rt.settings.oidc_event_token_seconds
        id_token = await TokenMint(rt).id_token(authorization, client, "an-access-token", None, rt.clock.now())
        assert token["sid"] == (await SigningKeys(rt).verify(id_token))["sid"] == str(authorization.id)
        assert (row.state, row.attempts, row.last_error) == ("delivered", 1, None)
        assert row.finished_at == rt.clock.now()
        assert not (await OutboxWorker(rt).pass_once()).sent.found  # nothing sent twice


async def test_a_failure_is_retried_with_backoff_and_signed_by_the_key_of_the_day(rt, clock):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await connected(rt, recv)
        await ended_login(rt, client)
        recv.statuses = [503, 500]
        first = await OutboxWorker(rt).pass_once()
        row = await OidcDelivery.get()
        assert first.sent.failed == 1
        assert (row.state, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
        assert row.next_attempt_at == clock.now() + retry_delay(1)

        clock.advance(retry_delay(1).total_seconds() - 1)
        assert not (await OutboxWorker(rt).pass_once()).sent.found  # not due yet
        clock.advance(1)
        assert (await OutboxWorker(rt).pass_once()).sent.failed == 1
        row = await OidcDelivery.get()
        assert (row.attempts, row.last_error, row.next_attempt_at) == (2, "HTTP 500", clock.now() + retry_delay(2))
        assert retry_delay(2) == 2 * retry_delay(1)

        old_kid = recv.headers[0]["kid"] if recv.headers else None
        await SigningKeys(rt).rotate()
        recv.jwks = await SigningKeys(rt).jwks()
        clock.advance(retry_delay(2).total_seconds())
        assert (await OutboxWorker(rt).pass_once()).sent.delivered == 1
        assert recv.hits == 3 and recv.problems == []
        assert recv.headers[-1]["kid"] == (await SigningKeys(rt).jwks())["keys"][0]["kid"] != old_kid
        row = await OidcDelivery.get()
        assert (row.state, row.attempts, row.last_error) == ("delivered", 3, None)


async def test_it_gives_up_after_eight_attempts(rt, clock):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await connected(rt, recv)
        await ended_login(rt, client)
        recv.status = 500
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await OutboxWorker(rt).pass_once()
            clock.advance(retry_delay(attempt).total_seconds())
        row = await OidcDelivery.get()
        assert (row.state, row.attempts, row.last_error) == ("given_up", MAX_ATTEMPTS, "HTTP 500")
        assert row.finished_at is not None
        clock.advance(86400)
        assert not (await OutboxWorker(rt).pass_once()).sent.found
        assert recv.hits == MAX_ATTEMPTS and recv.problems == []
        event = await AuditEvent.get(event_type="oidc.delivery_given_up")
        assert event.outcome == "failure" and event.details["attempts"] == MAX_ATTEMPTS
        assert "body" not in str(event.details)


async def test_a_slow_system_times_out_and_a_closed_port_is_an_error_class(rt):
    rt.settings.oidc_delivery_timeout_seconds = 1
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await connected(rt, recv)
        await ended_login(rt, client)
        recv.delay_seconds = 2.5
        await OutboxWorker(rt).pass_once()
        row = await OidcDelivery.get()
        assert (row.state, row.attempts, row.last_error) == ("pending", 1, "ReadTimeout")
    closed = (await make_oidc_client(rt, backchannel_logout_uri="http://127.0.0.1:9/logout")).row
    await enqueue(rt, DeliveryKind.LOGOUT, closed.id, {"subject_kind": "person", "subject_id": str(uuid.uuid4())})
    await OutboxSender(rt).send_due()
    failed = await OidcDelivery.get(client_id=closed.id)
    assert (failed.attempts, failed.last_error) == (1, "ConnectError")


async def test_a_disabled_system_or_one_without_a_uri_is_given_up_without_a_request(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await connected(rt, recv)
        await ended_login(rt, client)
        await OidcClient.filter(id=client.id).update(disabled_at=rt.clock.now())
        assert (await OutboxWorker(rt).pass_once()).sent.given_up == 1
        assert recv.hits == 0
        assert (await OidcDelivery.get()).last_error.startswith("client disabled")


async def test_two_senders_at_once_send_each_row_once(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await connected(rt, recv)
        for _ in range(30):
            payload = {"subject_kind": "person", "subject_id": str(uuid.uuid4())}
            await enqueue(rt, DeliveryKind.LOGOUT, client.id, payload)
        first, second = await asyncio.gather(OutboxSender(rt).send_due(), OutboxSender(rt).send_due())
        assert first.delivered + second.delivered == 30
        assert recv.hits == 30 and recv.problems == []
        assert len({token["jti"] for token in recv.logouts}) == 30
        assert await OidcDelivery.filter(state="delivered", attempts=1).count() == 30
