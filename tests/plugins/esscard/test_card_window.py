"""FAQ 3.1 through HTTP: within 10 minutes of an esscard login, that session (and no other) changes phone and
password without the old phone's code or the current password; each change audited with via=esscard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.plugins.scan_channels import Partner, redeem, registered_person, start
from tests.support import PASSWORD, Api, browser
from uidp.models.audit import AuditEvent
from uidp.plugin_api import SignAlgorithm

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "Wuhan@2027new"
NEW_PHONE = "15112345678"
CHANGE_PASSWORD = """mutation($i: ChangePasswordInput!) { changePassword(input: $i) { __typename
  ... on PasswordChanged { sessionsEnded } ... on Error { code message field } } }"""
CHANGE_PHONE = """mutation($i: ChangePhoneInput!) { changePhone(input: $i) { __typename
  ... on PhoneChanged { account { maskedPhone } } ... on Error { code message field } } }"""
WINDOW = "{ me { ... on PersonAccount { recoveryWindowEndsAt } } }"


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    return await registered_person(api)


async def scan_login(client: Any, app: Any, rt: Any, person: dict[str, Any], method: str = "esscard") -> str:
    """A session from a scan login of ``person`` through ``method``; its token."""
    ticket = await start(client, method)
    async with browser(app, "198.51.100.40") as http:
        partner = Partner(http, rt, method, SignAlgorithm.RSA)
        extra = {"user_id": "ehb-1"} if method == "ehuiban" else {}
        assert (await partner.confirm(ticket["ticket"], name=person["name"], id_number=person["id_number"], **extra))[
            0
        ] == 200
    done = await redeem(client, ticket)
    assert done["__typename"] == "LoginSuccess", done
    return done["token"]


def new_password(**extra: Any) -> dict[str, Any]:
    return {"i": {"newPassword": NEW_PASSWORD, "newPasswordConfirmation": NEW_PASSWORD, **extra}}


async def test_the_card_session_changes_the_password_without_the_current_one(api, client, app, rt, person, clock):
    token = await scan_login(client, app, rt, person)
    ends = (await api.data(WINDOW, token=token))["me"]["recoveryWindowEndsAt"]
    assert datetime.fromisoformat(ends) == clock.now() + timedelta(minutes=10)
    changed = (await api.data(CHANGE_PASSWORD, new_password(), token=token))["changePassword"]
    assert changed["__typename"] == "PasswordChanged", changed
    event = await AuditEvent.get(event_type="password.changed")
    assert event.details["via"] == "esscard"
    assert (await api.login(person["id_number"], NEW_PASSWORD))["__typename"] == "LoginSuccess"
    assert (await api.login(person["id_number"], PASSWORD))["__typename"] != "LoginSuccess"


async def test_the_card_session_changes_the_phone_with_the_new_phones_code_alone(api, client, app, rt, person):
    token = await scan_login(client, app, rt, person)
    code = await api.code_for("CHANGE_PHONE_NEW", NEW_PHONE)
    changed = await api.data(CHANGE_PHONE, {"i": {"newPhone": NEW_PHONE, "newPhoneCode": code}}, token=token)
    assert changed["changePhone"]["account"]["maskedPhone"] == "151****5678", changed
    event = await AuditEvent.get(event_type="phone.changed")
    assert event.details["via"] == "esscard" and NEW_PHONE not in str(event.details)
    wrong = await api.data(CHANGE_PHONE, {"i": {"newPhone": "15212345678", "newPhoneCode": "000000"}}, token=token)
    assert wrong["changePhone"]["code"] == "SMS_CODE_INVALID"  # the new phone is still proven


async def test_the_window_closes_after_ten_minutes(api, client, app, rt, person, clock):
    token = await scan_login(client, app, rt, person)
    clock.advance(601)
    assert (await api.data(WINDOW, token=token))["me"]["recoveryWindowEndsAt"] is None
    refused = (await api.data(CHANGE_PASSWORD, new_password(), token=token))["changePassword"]
    assert (refused["code"], refused["field"]) == ("REQUIRED", "currentPassword")
    code = await api.code_for("CHANGE_PHONE_NEW", NEW_PHONE)
    phone = await api.data(CHANGE_PHONE, {"i": {"newPhone": NEW_PHONE, "newPhoneCode": code}}, token=token)
    assert phone["changePhone"]["field"] == "oldPhoneCode"
    assert not await AuditEvent.filter(event_type__in=("password.changed", "phone.changed")).exists()


async def test_the_window_is_the_card_sessions_only(api, client, app, rt, person):
    """Someone holding another session of the account (a password login, an ehuiban scan) gets no window."""
    await scan_login(client, app, rt, person)
    others = [(await api.login(person["id_number"]))["token"], await scan_login(client, app, rt, person, "ehuiban")]
    for token in others:
        assert (await api.data(WINDOW, token=token))["me"]["recoveryWindowEndsAt"] is None
        refused = (await api.data(CHANGE_PASSWORD, new_password(), token=token))["changePassword"]
        assert (refused["code"], refused["field"]) == ("REQUIRED", "currentPassword")
    assert (await api.login(person["id_number"]))["__typename"] == "LoginSuccess"  # unchanged


async def test_a_wrong_current_password_is_still_checked_inside_the_window(api, client, app, rt, person):
    token = await scan_login(client, app, rt, person)
    refused = await api.data(CHANGE_PASSWORD, new_password(currentPassword="Wrong#2026x"), token=token)
    assert refused["changePassword"]["code"] == "WRONG_PASSWORD"


async def test_an_ended_card_session_opens_nothing(api, client, app, rt, person):
    token = await scan_login(client, app, rt, person)
    await api.data("mutation { logout { __typename } }", token=token)
    assert (await api.data(CHANGE_PASSWORD, new_password(), token=token))["changePassword"]["code"] in (
        "NOT_AUTHENTICATED",
    )
