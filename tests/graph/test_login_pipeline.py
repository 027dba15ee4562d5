"""The login pipeline through HTTP (issue 8 §3): startLogin -> completeLogin -> BindingRequired -> completeBinding,
trusted claims, and every refusal, with a test-only partner registered through ``extra_plugins``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.partner_login import PartnerPlugin, params
from tests.support import PASSWORD, Api, browser, resident_id
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.session import Session
from uidp.services.persons.user_space import BINDING_DISPLAY_COLUMN
from uidp.services.shared.pii import Pii

pytestmark = pytest.mark.anyio

PHONE = "15012340058"
WRONG = "Wrong#2026pw"

START = """
mutation($i: StartLoginInput!) { startLogin(input: $i) {
  __typename
  ... on LoginRedirect { url state expiresAt }
  ... on LoginScanTicket { ticket qrPayload expiresAt refreshSeconds }
  ... on Error { code message field }
} }"""

COMPLETE = """
mutation($i: CompleteLoginInput!) { completeLogin(input: $i) {
  __typename
  ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } ... on EntityAccount { id } } }
  ... on BindingRequired { ticket expiresAt provider providerLabel accountKind }
  ... on LoginFailed { captchaRequired }
  ... on Error { code message field }
} }"""

BIND = """
mutation($i: CompleteBindingInput!) { completeBinding(input: $i) {
  __typename
  ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } } }
  ... on LoginFailed { captchaRequired }
  ... on Error { code message field }
} }"""


@pytest.fixture
def plugin() -> PartnerPlugin:
    return PartnerPlugin()


@pytest.fixture
def extra_plugins(plugin: PartnerPlugin) -> list[Any]:
    return [plugin]


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "PersonRegistered", result
    return result["account"]


async def call(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": {"i": variables}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def start(client: httpx.AsyncClient, method: str = "partner", **values: str) -> dict[str, Any]:
    return await call(client, START, {"method": method, "params": params(values)})


async def complete(client: httpx.AsyncClient, method: str, state: str | None, **values: str) -> dict[str, Any]:
    return await call(client, COMPLETE, {"method": method, "state": state, "params": params(values)})


async def bind(client: httpx.AsyncClient, ticket: str, identifier: str = PHONE, password: str = PASSWORD, **extra: Any):
    return await call(client, BIND, {"ticket": ticket, "identifier": identifier, "password": password, **extra})


async def partner_login(client: httpx.AsyncClient, plugin: PartnerPlugin, subject: str, method: str = "partner",
                        **claims: Any) -> dict[str, Any]:  # fmt: skip
    started = await start(client, method)
    assert started["__typename"] == "LoginRedirect", started
    return await complete(client, method, started["state"], code=plugin.authorize(method, subject, **claims))


async def test_unbound_subject_binds_by_password_then_logs_straight_in(client, app, plugin, person, rt):
    started = await start(client)
    assert started["__typename"] == "LoginRedirect"
    assert started["url"] == f"https://partner.example/authorize?state={started['state']}"
    assert "uidp_login_browser" in client.cookies
    code = plugin.authorize("partner", "partner-user-1", display="小明同学")
    needed = await complete(client, "partner", started["state"], code=code)
    assert needed["__typename"] == "BindingRequired", needed
    assert (needed["code"], needed["provider"], needed["accountKind"]) == ("BINDING_REQUIRED", "partner", "person")
    assert not await ExternalBinding.exists()
    assert not await Session.exists()

    bound = await bind(client, needed["ticket"])
    assert bound["__typename"] == "LoginSuccess", bound
    assert bound["viewer"]["id"] == person["id"]
    row = await ExternalBinding.get()
    assert (row.provider, row.subject_kind, str(row.subject_id)) == ("partner", "person", person["id"])
    assert "partner-user-1" not in row.subject_index
    assert Pii(rt).open(BINDING_DISPLAY_COLUMN, row.id, row.display_enc) == "小明同学"
    session = await Session.get()
    assert session.login_method == "partner"

    again = await partner_login(client, plugin, "partner-user-1")
    assert again["__typename"] == "LoginSuccess", again
    assert again["viewer"]["id"] == person["id"]
    assert await ExternalBinding.all().count() == 1
    events = [e.event_type for e in await AuditEvent.all().order_by("at", "id")]
    for expected in ("login.started", "login.binding_required", "binding.created", "login.succeeded"):
        assert expected in events, events
    created = await AuditEvent.get(event_type="binding.created")
    assert (created.details["provider"], created.details["via"], str(created.subject_id)) == (
        "partner",
        "password",
        person["id"],
    )
    succeeded = await AuditEvent.filter(event_type="login.succeeded")
    assert {e.details["method"] for e in succeeded} == {"partner"}
    assert sorted(e.details["via"] for e in succeeded) == ["binding", "binding_ticket"]


async def test_a_trusted_id_number_opens_the_account_and_binds_it(client, plugin, person):
    first = await partner_login(client, plugin, "card-1", "trusted", id_number=resident_id(), name="陈心")
    assert first["__typename"] == "LoginSuccess", first
    assert first["viewer"]["id"] == person["id"]
    row = await ExternalBinding.get()
    assert (row.provider, str(row.subject_id)) == ("trusted", person["id"])
    event = await AuditEvent.get(event_type="binding.created")
    assert event.details["via"] == "id_number"
    # the next login follows the binding, whatever the claims say now
    second = await partner_login(client, plugin, "card-1", "trusted")
    assert second["__typename"] == "LoginSuccess" and second["viewer"]["id"] == person["id"]


async def test_an_untrusted_method_id_number_does_not_open_the_account(client, plugin, person):
    result = await partner_login(client, plugin, "alipay-9", "partner", id_number=resident_id(), name="陈心")
    assert result["__typename"] == "BindingRequired"
    assert not await Session.exists()


async def test_a_trusted_claim_with_another_name_is_refused(client, plugin, person):
    result = await partner_login(client, plugin, "card-2", "trusted", id_number=resident_id(), name="李明")
    assert (result["__typename"], result["code"]) == ("FieldError", "IDENTITY_MISMATCH")
    assert not await Session.exists() and not await ExternalBinding.exists()


async def test_the_partner_named_id_number_must_be_the_accounts(client, plugin, person):
    """A subject the partner verified as another person cannot be bound to this account."""
    needed = await partner_login(client, plugin, "p-3", "partner", id_number=resident_id(seq="999"))
    assert needed["__typename"] == "BindingRequired"
    refused = await bind(client, needed["ticket"])
    assert (refused["__typename"], refused["code"]) == ("FieldError", "IDENTITY_MISMATCH")
    assert not await ExternalBinding.exists() and not await Session.exists()


async def test_states_are_single_use_for_their_browser_and_method(app, client, plugin, person, clock):
    bad = await complete(client, "partner", "no-such-state", code=plugin.authorize("partner", "u"))
    assert (bad["__typename"], bad["code"], bad["field"]) == ("FieldError", "LOGIN_STATE_INVALID", "state")
    missing = await complete(client, "partner", None, code="x")
    assert missing["code"] == "LOGIN_STATE_INVALID"

    started = await start(client)
    async with browser(app) as stranger:
        stolen = await complete(stranger, "partner", started["state"], code=plugin.authorize("partner", "u"))
        assert (stolen["__typename"], stolen["code"]) == ("FieldError", "LOGIN_STATE_INVALID")
    other_method = await complete(client, "trusted", started["state"], code=plugin.authorize("trusted", "u"))
    assert other_method["code"] == "LOGIN_STATE_INVALID"
    # the stranger's try did not spend the state for its owner; the other method's did
    again = await start(client)
    owner = await complete(client, "partner", again["state"], code=plugin.authorize("partner", "u"))
    assert owner["__typename"] == "BindingRequired"
    replay = await complete(client, "partner", again["state"], code=plugin.authorize("partner", "u"))
    assert replay["code"] == "LOGIN_STATE_INVALID"

    late = await start(client)
    clock.advance(601)
    expired = await complete(client, "partner", late["state"], code=plugin.authorize("partner", "u"))
    assert expired["code"] == "LOGIN_STATE_INVALID"
    assert not await Session.exists()


async def test_a_stranger_with_the_ticket_cannot_redeem_it(app, client, plugin, person):
    needed = await partner_login(client, plugin, "victim-partner-id")
    async with browser(app) as stranger:
        refused = await bind(stranger, needed["ticket"])
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "FieldError",
            "BINDING_TICKET_INVALID",
            "ticket",
        )
    assert not await ExternalBinding.exists()
    assert (await bind(client, needed["ticket"]))["__typename"] == "LoginSuccess"  # still the owner's to use
    replay = await bind(client, needed["ticket"])
    assert replay["code"] == "BINDING_TICKET_INVALID"
    assert await Session.all().count() == 1


async def test_an_expired_ticket_is_refused(client, plugin, person, clock, rt):
    needed = await partner_login(client, plugin, "late-user")
    clock.advance(rt.settings.binding_ticket_seconds + 1)
    refused = await bind(client, needed["ticket"])
    assert refused["code"] == "BINDING_TICKET_INVALID"
    assert not await ExternalBinding.exists()


async def test_wrong_passwords_at_redeem_count_against_the_login_lock(client, plugin, person, api):
    """Someone who logged in at the partner as themselves tries to bind to this account by guessing its
    password: each ticket allows one guess, and the guesses count against the same lock as the login form."""
    for n in range(3):
        needed = await partner_login(client, plugin, f"attacker-{n}")
        failed = await bind(client, needed["ticket"], password=WRONG)
        assert (failed["__typename"], failed["code"]) == ("LoginFailed", "INVALID_CREDENTIALS"), failed
        assert failed["captchaRequired"] is (n == 2)
        assert (await bind(client, needed["ticket"]))["code"] == "BINDING_TICKET_INVALID"  # spent by the guess
    # the login form now asks for a captcha, exactly as after three wrong passwords typed there
    login = await api.login(PHONE)
    assert (login["code"], login["captchaRequired"]) == ("CAPTCHA_REQUIRED", True)
    needed = await partner_login(client, plugin, "attacker-3")
    no_captcha = await bind(client, needed["ticket"])
    assert no_captcha["code"] == "CAPTCHA_REQUIRED"
    captcha_id, answer = await api.captcha()
    # a refusal that checked nothing left the ticket for the next try
    right = await bind(client, needed["ticket"], captchaId=captcha_id, captchaAnswer=answer)
    assert right["__typename"] == "LoginSuccess", right
    assert await ExternalBinding.filter(provider="partner").count() == 1


async def test_a_locked_account_cannot_be_bound(client, plugin, person, api):
    for _ in range(5):
        captcha_id, answer = await api.captcha()
        await api.login(PHONE, WRONG, captchaId=captcha_id, captchaAnswer=answer)
    needed = await partner_login(client, plugin, "after-lock")
    captcha_id, answer = await api.captcha()
    locked = await bind(client, needed["ticket"], captchaId=captcha_id, captchaAnswer=answer)
    assert (locked["__typename"], locked["code"]) == ("LoginFailed", "INVALID_CREDENTIALS")
    assert not await ExternalBinding.exists()


async def test_methods_that_are_unknown_or_cannot_start(client, plugin):
    unknown = await start(client, "nope")
    assert (unknown["__typename"], unknown["code"], unknown["field"]) == (
        "FieldError",
        "UNKNOWN_LOGIN_METHOD",
        "method",
    )
    unknown_completion = await complete(client, "nope", None)
    assert unknown_completion["code"] == "UNKNOWN_LOGIN_METHOD"
    for method in ("password", "direct"):
        cannot = await start(client, method)
        assert (cannot["code"], cannot["field"]) == ("LOGIN_CANNOT_START", "method")
    down = await start(client, fail="yes")
    assert (down["code"], down["field"]) == ("VERIFIER_UNAVAILABLE", "method")


async def test_a_partner_refusal_and_a_lying_method_open_nothing(client, plugin, person):
    started = await start(client)
    refused = await complete(client, "partner", started["state"], code="made-up")
    assert (refused["__typename"], refused["code"]) == ("LoginFailed", "INVALID_CREDENTIALS")
    liar = await complete(client, "liar", None, code=plugin.authorize("partner", "someone-bound"))
    assert (liar["__typename"], liar["code"]) == ("LoginFailed", "INVALID_CREDENTIALS")
    reasons = [e.details["reason"] for e in await AuditEvent.filter(event_type="login.failed")]
    assert reasons == ["partner", "partner"]
    assert not await Session.exists()


async def test_a_scan_method_starts_with_a_qr_ticket(client, plugin, person):
    """The scan-ticket engine completes it (tests/graph/test_scan_login.py), not completeLogin."""
    started = await start(client, "scan")
    assert started["__typename"] == "LoginScanTicket", started
    assert started["qrPayload"] == f"partner-app://login?ticket={started['ticket']}"
    assert started["refreshSeconds"] == 60
    result = await complete(client, "scan", started["ticket"], code=plugin.authorize("scan", "scanner"))
    assert (result["code"], result["field"]) == ("LOGIN_STATE_INVALID", "state")


async def test_password_and_direct_methods_complete_without_a_start(client, plugin, person):
    by_password = await complete(client, "password", None, identifier=PHONE, password=PASSWORD)
    assert by_password["__typename"] == "LoginSuccess" and by_password["viewer"]["id"] == person["id"]
    wrong = await complete(client, "password", None, identifier=PHONE, password=WRONG)
    assert (wrong["__typename"], wrong["code"]) == ("LoginFailed", "INVALID_CREDENTIALS")
    direct = await complete(client, "direct", None, code=plugin.authorize("direct", "kiosk-7"))
    assert direct["__typename"] == "BindingRequired"


async def test_login_methods_say_which_start_and_what_they_are_trusted_for(api, plugin):
    methods = {m["id"]: m for m in (await api.data("{ loginMethods { id starts trust } }"))["loginMethods"]}
    assert (methods["partner"]["starts"], methods["partner"]["trust"]) == (True, [])
    assert methods["trusted"]["trust"] == ["CREDIT_CODE", "ID_NUMBER"]
    assert (methods["password"]["starts"], methods["password"]["trust"]) == (False, ["ACCOUNT"])
    assert (methods["direct"]["starts"], methods["ca"]["starts"]) == (False, False)
