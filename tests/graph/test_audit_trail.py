"""A3 for this issue's flows: every security event is recorded, masked, with no secrets."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, resident_id
from uidp.models.audit import AuditEvent

pytestmark = pytest.mark.anyio


async def test_journey_leaves_a_masked_trail(api):
    await api.register(api.id_card_form())
    await api.register(api.id_card_form(phone="15012340059"))  # same ID again: refused
    await api.login("15012340058", "Wrong#2026pw")
    token = (await api.login("15012340058"))["token"]
    await api.data("mutation { logout { __typename } }", token=token)
    events = await AuditEvent.all().order_by("at", "event_type")
    types = [e.event_type for e in events]
    for expected in (
        "sms_code.sent",
        "person.registered",
        "person.registration_refused",
        "login.failed",
        "login.succeeded",
        "logout",
    ):
        assert expected in types, (expected, types)
    text = " ".join(f"{e.details} {e.client_address}" for e in events)
    for secret in ("15012340058", "15012340059", resident_id(), "陈心", PASSWORD, token):
        assert secret not in text
    registered = next(e for e in events if e.event_type == "person.registered")
    assert registered.details["phone"] == "150****0058"
    assert registered.subject_kind == "person" and registered.client_address == "203.0.113.*"
