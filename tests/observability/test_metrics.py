"""/metrics through HTTP: the scrape token, and what logins, SMS codes, hashing, verifiers and reviews count."""

from __future__ import annotations

import pytest

from tests.observability.scrape import TOKEN, sample, scrape
from tests.support import PASSWORD
from uidp.models.review import CaseKind
from uidp.services.staff.review import ReviewCases

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(make_settings):
    return make_settings(metrics_token=TOKEN, metrics_refresh_seconds=0)


async def test_a_scrape_without_the_token_is_refused(client):
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}, {"x-token": TOKEN}):
        response = await client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert "uidp_" not in response.text and response.headers["www-authenticate"] == "Bearer"
    assert "uidp_logins_total" in await scrape(client)


async def test_without_a_configured_token_the_route_is_off(make_settings, clock):
    import httpx

    from uidp.app import create_app

    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for headers in ({}, {"authorization": "Bearer "}, {"authorization": f"Bearer {TOKEN}"}):
                assert (await http.get("/metrics", headers=headers)).status_code == 404


async def test_logins_by_channel_and_outcome_and_request_latency(api, client, rt):
    phone = "15012340058"
    await api.register(api.id_card_form(phone=phone))
    before = await scrape(client)
    assert (await api.login(phone, "Wrong#2026pw"))["__typename"] == "LoginFailed"
    assert (await api.login(phone, PASSWORD))["__typename"] == "LoginSuccess"
    after = await scrape(client)

    def delta(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("uidp_logins_total", channel="password", outcome="failed") == 1
    assert delta("uidp_logins_total", channel="password", outcome="succeeded") == 1
    assert delta("uidp_password_hash_wait_seconds_count") >= 2
    # the test driver's documents are anonymous: the operation label says so; the result is the answered type
    assert delta("uidp_request_duration_seconds_count", operation="anonymous", result="LoginFailed") == 1
    assert delta("uidp_request_duration_seconds_count", operation="anonymous", result="LoginSuccess") == 1
    named = "mutation Probe { requestCaptcha { id } }"
    await api.data(named)
    assert sample(await scrape(client), "uidp_request_duration_seconds_count", operation="Probe", result="Captcha") >= 1


async def test_sms_codes_and_the_gateway_calls_are_counted(api, client):
    before = await scrape(client)
    assert (await api.send_code("REGISTER", "15012340077"))["__typename"] == "SmsCodeSent"
    refused = await api.send_code("REGISTER", "15012340077")  # again at once: too frequent
    assert refused["__typename"] != "SmsCodeSent"
    after = await scrape(client)
    sent = ("uidp_sms_codes_total", {"purpose": "REGISTER", "outcome": "sent"})
    assert sample(after, sent[0], **sent[1]) - sample(before, sent[0], **sent[1]) == 1
    calls = {"kind": "sms_gateway", "call": "send", "outcome": "ok"}
    name = "uidp_verifier_call_duration_seconds_count"
    assert sample(after, name, **calls) - sample(before, name, **calls) == 1


async def test_lockouts_are_counted(api, client, rt):
    phone = "15012340066"
    await api.register(api.id_card_form(phone=phone))
    before = sample(await scrape(client), "uidp_lockouts_total")
    for _ in range(rt.settings.login_lock_after):
        captcha_id, answer = await api.captcha()
        await api.login(phone, "Wrong#2026pw", captchaId=captcha_id, captchaAnswer=answer)
    assert sample(await scrape(client), "uidp_lockouts_total") - before == 1


async def test_the_review_queue_and_its_overdue_cases(client, rt, clock):

    cases = ReviewCases(rt)
    await cases.open(CaseKind.PHONE_APPEAL, notify_phone="15012340099", details={}, summary={})
    text = await scrape(client)
    assert sample(text, "uidp_review_cases_pending", kind="PHONE_APPEAL") == 1
    assert sample(text, "uidp_review_cases_overdue", kind="PHONE_APPEAL") == 0
    assert sample(text, "uidp_review_cases_pending", kind="ENTITY_APPEAL") == 0
    clock.advance(10 * 86400)
    assert sample(await scrape(client), "uidp_review_cases_overdue", kind="PHONE_APPEAL") == 1
