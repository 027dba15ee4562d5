"""Per-address limits through HTTP (issue 7: 1.5, 1.10, 1.11): the anonymous mutation budget, IPv6 /64 keys,
the per-identifier captcha escalation and the per-address captcha threshold."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.support import LOGIN, PASSWORD, count_password_checks, resident_id
from uidp.models.audit import AuditEvent

pytestmark = pytest.mark.anyio

PROXY = "203.0.113.7"  # the test client's socket address
PHONE = "15012340058"
WRONG = "Wrong#2026pw"
CHECK = """mutation($i: CheckCertificateInput!) { checkCertificate(input: $i) { __typename
  ... on RateLimited { code retryAfterSeconds } ... on Error { code } } }"""


@pytest.fixture
def settings(make_settings):
    return make_settings(trusted_proxies=PROXY)


def via(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


def check_vars(n: int) -> dict[str, Any]:
    return {"i": {"certificateType": "RESIDENT_ID", "certificateNumber": resident_id(seq=f"{n:03d}")}}


async def login(api, identifier: str, password: str = WRONG, address: str = "198.51.100.1", **extra: Any):
    variables = {"identifier": identifier, "password": password, **extra}
    return (await api.data(LOGIN, {"i": variables}, headers=via(address)))["loginWithPassword"]


# ---- 1.5: one budget for anonymous mutations ------------------------------------------------------------


async def test_each_alias_is_one_anonymous_call(api, rt):
    rt.settings.anonymous_mutations_per_hour = 3
    fields = "{ __typename ... on RateLimited { code retryAfterSeconds } }"
    aliases = " ".join(
        f'a{n}: checkCertificate(input: {{certificateType: RESIDENT_ID, certificateNumber: "{number}"}}) {fields}'
        for n, number in enumerate(resident_id(seq=f"{n:03d}") for n in range(5))
    )
    body = await api.data(f"mutation {{ {aliases} }}", headers=via("198.51.100.1"))
    answers = [body[f"a{n}"]["__typename"] for n in range(5)]
    assert answers == ["CertificateAvailable"] * 3 + ["RateLimited"] * 2
    assert body["a3"]["code"] == "RATE_LIMITED" and 0 < body["a3"]["retryAfterSeconds"] <= 3600
    # another address has its own budget
    other = await api.data(CHECK, check_vars(9), headers=via("198.51.100.2"))
    assert other["checkCertificate"]["__typename"] == "CertificateAvailable"


async def test_the_budget_holds_under_a_concurrent_burst(api, rt):
    rt.settings.anonymous_mutations_per_hour = 5
    results = await asyncio.gather(*(api.data(CHECK, check_vars(n), headers=via("198.51.100.1")) for n in range(30)))
    answers = Counter(r["checkCertificate"]["__typename"] for r in results)
    assert answers == {"CertificateAvailable": 5, "RateLimited": 25}


async def test_fields_without_a_rate_limited_result_answer_a_typed_error(api, rt):
    rt.settings.anonymous_mutations_per_hour = 1
    first = await api.gql("mutation { requestCaptcha { id } }", headers=via("198.51.100.1"))
    assert first["data"]["requestCaptcha"]["id"]
    refused = await api.gql("mutation { requestCaptcha { id } }", headers=via("198.51.100.1"))
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    login_refused = await login(api, PHONE)
    assert (login_refused["__typename"], login_refused["code"]) == ("FieldError", "RATE_LIMITED")


async def test_callers_with_a_session_are_not_counted(api, rt):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    token = (await login(api, PHONE, PASSWORD))["token"]
    api.client.cookies.clear()  # the calls below are anonymous; the session goes in the header only
    rt.settings.anonymous_mutations_per_hour = 1
    await api.data(CHECK, check_vars(1), headers=via("198.51.100.1"))
    assert (await api.data(CHECK, check_vars(2), headers=via("198.51.100.1")))["checkCertificate"][
        "__typename"
    ] == "RateLimited"
    logout = "mutation { logout { __typename } }"
    assert (await api.data(logout, token=token, headers=via("198.51.100.1")))["logout"]["__typename"] == "LoggedOut"


# ---- 1.10: IPv6 addresses are limited by their /64 ------------------------------------------------------


async def test_ipv6_addresses_share_their_64(api, rt):
    rt.settings.anonymous_mutations_per_hour = 2
    same_lan = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"]
    for n, address in enumerate(same_lan):
        answer = await api.data(CHECK, check_vars(n), headers=via(address))
        assert answer["checkCertificate"]["__typename"] == "CertificateAvailable"
    third = await api.data(CHECK, check_vars(3), headers=via("2001:db8:1:2:abcd::1"))
    assert third["checkCertificate"]["__typename"] == "RateLimited"
    next_lan = await api.data(CHECK, check_vars(4), headers=via("2001:db8:1:3::1"))
    assert next_lan["checkCertificate"]["__typename"] == "CertificateAvailable"


async def test_ipv6_login_failures_count_per_64(api, rt):
    rt.settings.client_failure_limit = 2
    for n in range(2):
        result = await login(api, f"1390000{n:04d}", address=f"2001:db8:7:7::{n + 1}")
        assert result["code"] == "INVALID_CREDENTIALS"
    same_lan = await login(api, "13900000099", address="2001:db8:7:7:1::1")
    assert (same_lan["code"], same_lan["captchaRequired"]) == ("CAPTCHA_REQUIRED", True)
    elsewhere = await login(api, "13900000099", address="2001:db8:7:8::1")
    assert elsewhere["code"] == "INVALID_CREDENTIALS"


# ---- 1.10: the captcha escalation per typed identifier --------------------------------------------------


async def test_failures_on_a_phone_do_not_reveal_which_id_number_shares_the_account(api, rt):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    stranger = resident_id(seq="555")
    assert (await api.register(api.id_card_form(certificateNumber=stranger, phone="13800005555")))[
        "__typename"
    ] == "PersonRegistered"
    after = rt.settings.login_captcha_after
    for n in range(after):
        result = await login(api, PHONE, address=f"198.51.100.{n + 1}")
        assert result["captchaRequired"] is (n + 1 >= after)
    # the phone now needs a captcha, shown to the caller
    again = await login(api, PHONE, address="198.51.100.50")
    assert (again["code"], again["captchaRequired"]) == ("CAPTCHA_REQUIRED", True)
    # the same account's ID number answers exactly like a stranger's ID number, try after try
    for n in range(after + 1):
        own = await login(api, resident_id(), address=f"198.51.100.{60 + n}")
        other = await login(api, stranger, address=f"198.51.100.{80 + n}")
        assert {k: own[k] for k in own} == {k: other[k] for k in other}, n
    # the account was never checked without a captcha beyond its threshold: its right password with the
    # ID number and no captcha is refused like a wrong one until the ID number shows a captcha too
    refused = await login(api, resident_id(), PASSWORD, address="198.51.100.99")
    assert refused["__typename"] in ("LoginFailed",)
    captcha_id, answer = await api.captcha()
    inside = await login(
        api, resident_id(), PASSWORD, address="198.51.100.98", captchaId=captcha_id, captchaAnswer=answer
    )
    assert inside["__typename"] == "LoginSuccess"


async def test_account_counter_bounds_checks_across_identifiers(api, rt, monkeypatch):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    checked = count_password_checks(rt, monkeypatch)
    identifiers = [PHONE, resident_id(), resident_id().lower(), "+86 " + PHONE]
    for n in range(12):
        await login(api, identifiers[n % 4], address=f"198.51.100.{n + 1}")
    assert len(checked) == rt.settings.login_captcha_after  # no captcha: the account's threshold, not 4 x 3
    events = await AuditEvent.filter(event_type="login.failed").values_list("details", flat=True)
    assert Counter(e["reason"] for e in events)["password"] == len(checked)


# ---- 1.11: the per-address captcha threshold is what the settings table says ----------------------------


async def test_an_address_needs_a_captcha_after_its_failure_limit(api, rt):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    limit = rt.settings.client_failure_limit = 6
    for n in range(limit):  # each an unknown account: only the address counts up
        result = await login(api, f"1390000{n:04d}", address="198.51.100.1")
        assert result["code"] == "INVALID_CREDENTIALS"
        assert result["captchaRequired"] is (n + 1 >= limit)
    # UIDP_CLIENT_FAILURE_LIMIT failures from one address: every login from it needs a captcha, a fresh
    # account's right password included; other addresses are not affected
    blocked = await login(api, PHONE, PASSWORD, address="198.51.100.1")
    assert (blocked["code"], blocked["captchaRequired"]) == ("CAPTCHA_REQUIRED", True)
    assert (await login(api, PHONE, PASSWORD, address="198.51.100.2"))["__typename"] == "LoginSuccess"
    captcha_id, answer = await api.captcha()
    with_captcha = await login(api, PHONE, PASSWORD, address="198.51.100.1", captchaId=captcha_id, captchaAnswer=answer)
    assert with_captcha["__typename"] == "LoginSuccess"
    # below the limit (LOGIN_CAPTCHA_AFTER is per account and identifier, not per address) no captcha
    assert rt.settings.login_captcha_after < limit
