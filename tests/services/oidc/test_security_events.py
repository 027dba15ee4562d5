"""Security event tokens (RFC 8417, pushed per RFC 8935) for cancellation, level change and grant revoked: staged
in the change's transaction for each subscribed system that knows the subject, delivered to a real local
receiver that checks each token strictly."""

from __future__ import annotations

import uuid

import pytest

from plugins.sandbox.bank_card import TEST_CARDS
from tests.oidc_logout_support import CLIENT, authorize, log_in
from tests.oidc_support import make_oidc_client
from tests.services.oidc.logins import proxy_login, stored_authorization
from tests.services.oidc.receiver import receiver
from tests.services.oidc.test_backchannel_staging import appeal_approved
from tests.support import register_person, resident_id, sandbox_code
from uidp.domain.delegation import EndReason
from uidp.domain.oidc_events import SecurityEventType
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcConsent
from uidp.models.oidc_delivery import OidcDelivery
from uidp.models.person import Person
from uidp.services.delegation.cascade import Cascade
from uidp.services.oidc.claims import pairwise_sub
from uidp.services.oidc.deliveries import OutboxWorker
from uidp.services.oidc.keys import SigningKeys
from uidp.services.persons.cancellation import CancellationService
from uidp.services.persons.levels import Levels
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.sms import SmsPurpose

pytestmark = pytest.mark.anyio
CLIENT_ID = "rp-events"
ALL_EVENTS = [event.value for event in SecurityEventType]


@pytest.fixture
def settings(make_settings):
    return make_settings(oidc_outbox_seconds=0)  # no worker of the app's own: each test runs its passes


async def subscribed(rt, recv, events=None, **fields):
    recv.jwks = await SigningKeys(rt).jwks()
    types = ALL_EVENTS if events is None else events
    return (await make_oidc_client(rt, client_id=CLIENT_ID, event_uri=recv.event_uri, event_types=types, **fields)).row


async def test_a_level_raised_by_a_bank_card_is_told_to_the_systems_that_know_the_person(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await subscribed(rt, recv)
        unsubscribed = (await make_oidc_client(rt, event_uri=recv.event_uri, event_types=[])).row
        stranger = (await make_oidc_client(rt, event_uri=recv.event_uri, event_types=ALL_EVENTS)).row
        person = await register_person(rt, CLIENT)
        me, _ = await log_in(rt)
        await authorize(rt, client, me)
        await authorize(rt, unsubscribed, me)

        result = await Levels(rt).verify_bank_card(me, TEST_CARDS["01"], "15012340058", CLIENT)
        assert result.level == 2
        [row] = await OidcDelivery.all()  # written with the level: the stranger never knew the person
        assert (row.kind, row.client_id) == ("event", client.id) and stranger.id != row.client_id
        assert (await OutboxWorker(rt).pass_once()).sent.delivered == 1

        assert recv.problems == []
        [token] = recv.events
        assert token["jti"] == row.jti and token["aud"] == CLIENT_ID
        assert token["sub_id"] == {
            "format": "iss_sub",
            "iss": rt.settings.oidc_issuer,
            "sub": pairwise_sub(rt, client, "person", person.id),
        }
        event = token["events"][SecurityEventType.LEVEL_CHANGED.value]
        assert event == {
            "namespace": "urn:uidp:level",
            "current_level": "urn:uidp:level:2",
            "previous_level": "urn:uidp:level:1",
            "change_direction": "increase",
            "event_timestamp": token["iat"],
        }
        assert recv.headers[0]["typ"] == "secevent+jwt"


async def test_cancellation_tells_each_subscribed_system_the_account_is_gone(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await subscribed(rt, recv)
        by_consent = (await make_oidc_client(rt, event_uri=recv.event_uri, event_types=ALL_EVENTS)).row
        level_only = (
            await make_oidc_client(rt, event_uri=recv.event_uri, event_types=[SecurityEventType.LEVEL_CHANGED.value])
        ).row
        person = await register_person(rt, CLIENT)
        me, _ = await log_in(rt)
        await authorize(rt, client, me)
        await authorize(rt, level_only, me)
        now = rt.clock.now()
        await OidcConsent.create(
            id=uuid.uuid4(), subject_kind="person", subject_id=person.id, client_id=by_consent.id,
            scopes=["openid"], granted_at=now, updated_at=now,
        )  # fmt: skip
        await UserSpace(rt).send_own_phone_code(me, SmsPurpose.CANCEL_ACCOUNT, CLIENT)
        await CancellationService(rt).cancel(me, resident_id(), sandbox_code(rt, "15012340058"), CLIENT)

        rows = await OidcDelivery.filter(kind="event")
        assert {row.client_id for row in rows} == {client.id, by_consent.id}
        event = await AuditEvent.get(event_type="person.cancelled")
        assert event.details["oidc_events_queued"] == 2
        await OutboxWorker(rt).pass_once()
        mine = [token for token in recv.events if token["aud"] == CLIENT_ID]
        assert len(mine) == 1
        assert mine[0]["events"] == {SecurityEventType.ACCOUNT_CANCELLED.value: {}}
        assert mine[0]["sub_id"]["sub"] == pairwise_sub(rt, client, "person", person.id)
        # The other system's token names its own audience: the strict receiver (expecting CLIENT_ID) refused it.
        assert len(recv.problems) == 1 and "aud" in recv.problems[0]


async def test_a_revoked_grant_is_told_to_systems_holding_a_proxy_authorization_on_it(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await subscribed(rt, recv)
        login = await proxy_login(rt)
        authorization = await stored_authorization(rt, client, login)
        world = login.delegation
        ended = await Cascade(rt).end([(world.grant, EndReason.CANCELLED)], actor=None)

        assert ended.events_owed == 1
        [row] = await OidcDelivery.filter(kind="event")
        assert row.payload["agent_id"] == str(world.agent.id)
        await OutboxWorker(rt).pass_once()
        assert recv.problems == []
        [token] = recv.events
        assert token["sub_id"]["sub"] == pairwise_sub(rt, client, "entity", world.entity.id)
        event = token["events"][SecurityEventType.GRANT_REVOKED.value]
        assert event["reason"] == "cancelled" and event["event_timestamp"] == token["iat"]
        assert event["agent"] == {
            "format": "iss_sub",
            "iss": rt.settings.oidc_issuer,
            "sub": pairwise_sub(rt, client, "person", authorization.actor_id),
        }
        assert "grant" not in str(token).replace("grant-revoked", "")  # no grant id: it would link sectors


async def test_a_system_that_did_not_subscribe_or_is_disabled_gets_nothing(rt):
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await subscribed(rt, recv, events=[SecurityEventType.ACCOUNT_CANCELLED.value])
        disabled = (
            await make_oidc_client(rt, event_uri=recv.event_uri, event_types=ALL_EVENTS, disabled_at=rt.clock.now())
        ).row
        await register_person(rt, CLIENT)
        me, _ = await log_in(rt)
        await authorize(rt, client, me)
        await authorize(rt, disabled, me)
        await Levels(rt).verify_bank_card(me, TEST_CARDS["01"], "15012340058", CLIENT)
        assert await OidcDelivery.all().count() == 0


async def test_a_level_lowered_by_an_appeal_says_decrease(rt):
    """The certificate appeal (P9b) drops the level to 初级: subscribed systems are told, in the decision."""
    with receiver(rt.settings.oidc_issuer, CLIENT_ID) as recv:
        client = await subscribed(rt, recv)
        person = await register_person(rt, CLIENT)
        await Person.filter(id=person.id).update(level=3)
        me, _ = await log_in(rt)
        await authorize(rt, client, me)
        await appeal_approved(rt, person, me)
        [row] = await OidcDelivery.filter(kind="event")
        assert row.payload["event"]["change_direction"] == "decrease"
        assert (row.payload["event"]["previous_level"], row.payload["event"]["current_level"]) == (
            "urn:uidp:level:3",
            "urn:uidp:level:1",
        )
        await OutboxWorker(rt).pass_once()
        assert recv.problems == [] and len(recv.events) == 1
