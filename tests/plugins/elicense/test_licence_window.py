"""FAQ 3.2 through HTTP: within 10 minutes of an elicense login, that entity session starts a contact change
without the login password (then the new phone's code as always); no other session, and not after."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graph.test_entity_changes import CHANGE, START, contact
from tests.plugins.elicense.conftest import scan
from tests.plugins.scan_channels import redeem, start
from uidp.models.audit import AuditEvent

pytestmark = pytest.mark.anyio

NEW_PHONE = "13800002222"
WINDOW = "{ me { ... on EntityAccount { recoveryWindowEndsAt } } }"


async def licence_login(client: Any, licence: Any, entity: Any) -> str:
    ticket = await start(client, "elicense")
    assert (await licence.confirm(ticket["ticket"], **scan(entity)))[0] == 200
    done = await redeem(client, ticket)
    assert done["__typename"] == "LoginSuccess", done
    return done["token"]


async def test_the_licence_session_changes_the_contact_without_the_password(api, client, licence, entity):
    token = await licence_login(client, licence, entity)
    assert (await api.data(WINDOW, token=token))["me"]["recoveryWindowEndsAt"] is not None
    started = (await api.data(START, {"i": {}}, token=token))["startEntityContactChange"]
    assert started["__typename"] == "EntityContactChangeStarted", started
    code = await api.code_for("ENTITY_CONTACT_PHONE", NEW_PHONE)
    changed = (await api.data(CHANGE, contact(started["ticket"], code)))["changeEntityContact"]
    assert changed["maskedContactPhone"] == "138****2222", changed
    verified = await AuditEvent.get(event_type="entity.contact_change_verified")
    assert verified.details["via"] == "elicense"


async def test_the_window_closes_and_belongs_to_the_licence_session(api, client, licence, entity, clock):
    token = await licence_login(client, licence, entity)
    other = await licence_login(client, licence, entity)
    clock.advance(300)
    late_login = await licence_login(client, licence, entity)  # its own window: 10 minutes from now
    clock.advance(301)
    for expired in (token, other):
        refused = (await api.data(START, {"i": {}}, token=expired))["startEntityContactChange"]
        assert (refused["code"], refused["field"]) == ("REQUIRED", "password")
        assert (await api.data(WINDOW, token=expired))["me"]["recoveryWindowEndsAt"] is None
    assert (await api.data(START, {"i": {}}, token=late_login))["startEntityContactChange"]["ticket"]


async def test_a_wrong_password_is_still_checked_inside_the_window(api, client, licence, entity):
    token = await licence_login(client, licence, entity)
    refused = (await api.data(START, {"i": {"password": "Wrong#2026x"}}, token=token))["startEntityContactChange"]
    assert refused["code"] == "WRONG_PASSWORD"


async def test_another_session_of_the_entity_gets_no_window(api, client, licence, entity, rt):
    """A password session of the same entity, opened while a licence session's window is open, has none."""
    from uidp.services.auth.sessions import Sessions
    from uidp.services.shared.principal import ClientInfo

    await licence_login(client, licence, entity)
    issued = await Sessions(rt).issue("entity", entity.id, "password", ClientInfo("203.0.113.9", "test"))
    assert (await api.data(WINDOW, token=issued.token))["me"]["recoveryWindowEndsAt"] is None
    refused = (await api.data(START, {"i": {}}, token=issued.token))["startEntityContactChange"]
    assert (refused["code"], refused["field"]) == ("REQUIRED", "password")
