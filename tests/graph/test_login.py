"""P3, X5, X7 through HTTP: identifiers, equal failures, lockout, captcha escalation, aliases, timeouts."""

from __future__ import annotations

import pytest

from tests.support import LOGIN, PASSWORD, resident_id
from uidp.models.audit import AuditEvent

pytestmark = pytest.mark.anyio

WRONG = "Wrong#2026pw"


@pytest.fixture
async def person(api):
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered"
    return result["account"]


def failure_shape(result):
    return {k: result[k] for k in ("__typename", "code", "message", "field")}


async def test_identifiers(api, person):
    for identifier in ("15012340058", "+86 150 1234 0058", resident_id(), resident_id().lower()):
        result = await api.login(identifier)
        assert result["__typename"] == "LoginSuccess", (identifier, result)
        assert result["viewer"]["id"] == person["id"]


async def test_unknown_wrong_and_locked_answer_alike(api, person):
    wrong = await api.login("15012340058", WRONG)
    unknown = await api.login("13900000000", WRONG)
    unknown_id = await api.login(resident_id(seq="999"), WRONG)
    assert failure_shape(wrong) == failure_shape(unknown) == failure_shape(unknown_id)
    assert wrong["code"] == "INVALID_CREDENTIALS"


async def test_captcha_escalation_and_lockout(api, person, rt):
    for _ in range(2):
        result = await api.login("15012340058", WRONG)
        assert result["captchaRequired"] is False
    third = await api.login("15012340058", WRONG)
    assert third["captchaRequired"] is True
    # now even the right password needs a captcha
    no_captcha = await api.login("15012340058")
    assert (no_captcha["code"], no_captcha["captchaRequired"]) == ("CAPTCHA_REQUIRED", True)
    bad_captcha_id, _ = await api.captcha()
    bad = await api.login("15012340058", captchaId=bad_captcha_id, captchaAnswer="ZZZZ")
    assert bad["code"] == "CAPTCHA_INVALID"
    for _ in range(2):
        captcha_id, answer = await api.captcha()
        result = await api.login("15012340058", WRONG, captchaId=captcha_id, captchaAnswer=answer)
        assert result["code"] == "INVALID_CREDENTIALS"
    # five failures: locked; the right password now answers exactly like a wrong one
    captcha_id, answer = await api.captcha()
    locked = await api.login("15012340058", captchaId=captcha_id, captchaAnswer=answer)
    captcha_id, answer = await api.captcha()
    wrong = await api.login("15012340058", WRONG, captchaId=captcha_id, captchaAnswer=answer)
    assert failure_shape(locked) == failure_shape(wrong)
    assert await AuditEvent.filter(event_type="account.locked").count() == 1
    # the lock holds across identifiers of the same account
    captcha_id, answer = await api.captcha()
    by_id = await api.login(resident_id(), captchaId=captcha_id, captchaAnswer=answer)
    assert by_id["code"] == "INVALID_CREDENTIALS"


async def test_lock_ends_after_its_time(api, person, rt, clock):
    import asyncio

    rt.settings.login_lock_seconds = 1
    rt.settings.login_window_seconds = 1
    rt.throttle_note = "short lock for the test"
    for _ in range(5):
        captcha_id, answer = await api.captcha()
        await api.login("15012340058", WRONG, captchaId=captcha_id, captchaAnswer=answer)
    clock.advance(1.2)
    await asyncio.sleep(1.2)  # a Redis store keeps real time
    assert (await api.login("15012340058"))["__typename"] == "LoginSuccess"


async def test_aliases_count_one_by_one(api, person):
    aliases = " ".join(
        f'a{n}: loginWithPassword(input: {{identifier: "15012340058", password: "{WRONG}"}}) '
        "{ __typename ... on Error { code } ... on LoginFailed { captchaRequired } }"
        for n in range(6)
    )
    body = await api.data(f"mutation {{ {aliases} }}")
    codes = [body[f"a{n}"]["code"] for n in range(6)]
    # each alias is one attempt: three password failures, then the captcha is demanded and no password is tried
    assert codes == ["INVALID_CREDENTIALS"] * 3 + ["CAPTCHA_REQUIRED"] * 3
    assert body["a2"]["captchaRequired"] is True
    assert await AuditEvent.filter(event_type="login.failed").count() == 3


async def test_session_idle_and_absolute_timeouts(api, person, clock):
    token = (await api.login("15012340058"))["token"]
    clock.advance(29 * 60)
    assert await api.me(token) is not None  # touches the session
    clock.advance(29 * 60)
    assert await api.me(token) is not None
    clock.advance(31 * 60)
    assert await api.me(token) is None  # idle for 31 minutes

    token = (await api.login("15012340058"))["token"]
    for _ in range(25):  # active every 29 minutes for just over 12 hours
        clock.advance(29 * 60)
        me = await api.me(token)
    assert me is None


async def test_login_input_required(api):
    result = (await api.data(LOGIN, {"i": {"identifier": " ", "password": PASSWORD}}))["loginWithPassword"]
    assert (result["code"], result["field"]) == ("REQUIRED", "identifier")


async def test_audit_of_logins_is_masked(api, person):
    await api.login("15012340058", WRONG)
    await api.login("15012340058")
    events = await AuditEvent.filter(event_type__startswith="login").order_by("at")
    assert [e.event_type for e in events] == ["login.failed", "login.succeeded"]
    for event in events:
        text = str(event.details) + str(event.client_address)
        assert "15012340058" not in text and PASSWORD not in text and WRONG not in text
        assert event.client_address == "203.0.113.*"
    assert events[0].details["identifier"] == "150****0058"


async def test_many_accounts_from_one_address_need_a_captcha(api, person, rt):
    rt.settings.client_failure_limit = 4
    for n in range(4):
        result = await api.login(f"1390000{n:04d}", WRONG)
        assert result["code"] == "INVALID_CREDENTIALS"
    # a fresh account from the same address now needs a captcha too
    result = await api.login("15012340058")
    assert (result["code"], result["captchaRequired"]) == ("CAPTCHA_REQUIRED", True)
    captcha_id, answer = await api.captcha()
    assert (await api.login("15012340058", captchaId=captcha_id, captchaAnswer=answer))["__typename"] == "LoginSuccess"
