"""Redeeming a person's binding ticket by SMS through HTTP (issue 8 §3, docs/decisions.md #112):
completeLogin -> BindingRequired -> sendBindingCode -> completeBindingBySms, and every refusal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.graph.test_login_pipeline import browser, call, complete, partner_login
from tests.partner_login import PartnerPlugin
from tests.support import Api, resident_id, sandbox_code
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.session import Session
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio

PHONE = "15012340058"
NO_ACCOUNT = "13912345678"

SEND = """
mutation($i: SendBindingCodeInput!) { sendBindingCode(input: $i) {
  __typename
  ... on SmsCodeSent { maskedPhone expiresAt resendAfter }
  ... on Error { code message field }
} }"""

REDEEM = """
mutation($i: CompleteBindingBySmsInput!) { completeBindingBySms(input: $i) {
  __typename
  ... on LoginSuccess { token viewer { __typename ... on PersonAccount { id } } }
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


async def send(client: httpx.AsyncClient, api: Api, ticket: str, phone: str = PHONE) -> dict[str, Any]:
    captcha_id, answer = await api.captcha()
    return await call(
        client, SEND, {"ticket": ticket, "phone": phone, "captchaId": captcha_id, "captchaAnswer": answer}
    )


async def redeem(client: httpx.AsyncClient, ticket: str, code: str, phone: str = PHONE) -> dict[str, Any]:
    return await call(client, REDEEM, {"ticket": ticket, "phone": phone, "smsCode": code})


def bind_messages(rt: Any, phone: str) -> list[dict[str, Any]]:
    return [m for m in sandbox_messages(rt, phone=phone) if "绑定第三方登录账号" in m["text"]]


async def test_a_person_binds_by_sms_then_logs_straight_in(client, plugin, person, api, rt):
    needed = await partner_login(client, plugin, "sms-user-1", display="小明同学")
    assert needed["__typename"] == "BindingRequired", needed
    sent = await send(client, api, needed["ticket"])
    assert (sent["__typename"], sent["maskedPhone"]) == ("SmsCodeSent", "150****0058"), sent
    assert len(bind_messages(rt, PHONE)) == 1
    bound = await redeem(client, needed["ticket"], sandbox_code(rt, PHONE))
    assert bound["__typename"] == "LoginSuccess", bound
    assert bound["viewer"]["id"] == person["id"]
    row = await ExternalBinding.get()
    assert (row.provider, row.subject_kind, str(row.subject_id)) == ("partner", "person", person["id"])
    created = await AuditEvent.get(event_type="binding.created")
    assert (created.details["provider"], created.details["via"]) == ("partner", "sms")

    again = await partner_login(client, plugin, "sms-user-1")
    assert again["__typename"] == "LoginSuccess" and again["viewer"]["id"] == person["id"]
    assert await ExternalBinding.all().count() == 1
    replay = await redeem(client, needed["ticket"], sandbox_code(rt, PHONE))
    assert (replay["code"], replay["field"]) == ("BINDING_TICKET_INVALID", "ticket")


async def test_a_stranger_with_the_ticket_can_neither_send_nor_redeem(app, client, plugin, person, api, rt):
    needed = await partner_login(client, plugin, "victim-sms")
    async with browser(app, "203.0.113.9") as stranger:
        refused = await send(stranger, api, needed["ticket"])
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "FieldError",
            "BINDING_TICKET_INVALID",
            "ticket",
        )
        assert bind_messages(rt, PHONE) == []
        assert (await send(client, api, needed["ticket"]))["__typename"] == "SmsCodeSent"
        code = sandbox_code(rt, PHONE)
        stolen = await redeem(stranger, needed["ticket"], code)
        assert (stolen["code"], stolen["field"]) == ("BINDING_TICKET_INVALID", "ticket")
    assert not await ExternalBinding.exists() and not await Session.exists()
    owner = await redeem(client, needed["ticket"], code)  # still the owner's to use
    assert owner["__typename"] == "LoginSuccess", owner


async def test_a_phone_without_an_account_gets_a_decoy_and_a_refusal(client, plugin, person, api, rt, clock):
    needed = await partner_login(client, plugin, "prober")
    decoy = await send(client, api, needed["ticket"], NO_ACCOUNT)
    assert (decoy["__typename"], decoy["maskedPhone"]) == ("SmsCodeSent", "139****5678"), decoy
    assert sandbox_messages(rt, phone=NO_ACCOUNT) == []
    again = await send(client, api, needed["ticket"], NO_ACCOUNT)  # limits count as for a real send
    assert (again["code"], again["field"]) == ("SMS_TOO_FREQUENT", "phone")
    refused = await redeem(client, needed["ticket"], "123456", NO_ACCOUNT)
    assert (refused["__typename"], refused["code"], refused["field"]) == ("FieldError", "SMS_CODE_INVALID", "smsCode")
    assert not await ExternalBinding.exists() and not await Session.exists()


async def test_wrong_codes_are_bounded(client, plugin, person, api, rt):
    first = await partner_login(client, plugin, "guesser-0")
    await send(client, api, first["ticket"])
    code = sandbox_code(rt, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    ticket = first["ticket"]
    for n in range(rt.settings.sms_max_attempts):
        refused = await redeem(client, ticket, wrong)
        assert (refused["code"], refused["field"]) == ("SMS_CODE_INVALID", "smsCode"), refused
        assert (await redeem(client, ticket, code))["code"] == "BINDING_TICKET_INVALID"  # spent by the guess
        ticket = (await partner_login(client, plugin, f"guesser-{n + 1}"))["ticket"]
    late = await redeem(client, ticket, code)  # the code died with the last allowed wrong try
    assert (late["code"], late["field"]) == ("SMS_CODE_INVALID", "smsCode")
    assert not await ExternalBinding.exists() and not await Session.exists()


async def test_the_partner_named_id_number_must_be_the_accounts(client, plugin, person, api, rt):
    needed = await partner_login(client, plugin, "p-sms", "partner", id_number=resident_id(seq="999"))
    assert needed["__typename"] == "BindingRequired"
    await send(client, api, needed["ticket"])
    refused = await redeem(client, needed["ticket"], sandbox_code(rt, PHONE))
    assert (refused["__typename"], refused["code"]) == ("FieldError", "IDENTITY_MISMATCH")
    assert not await ExternalBinding.exists() and not await Session.exists()


async def test_an_entity_ticket_is_not_redeemed_by_sms(client, plugin, person, api, rt):
    started = await call(client, "mutation($i: StartLoginInput!) { startLogin(input: $i) { ... on LoginRedirect "
                         "{ state } } }", {"method": "partner", "params": []})  # fmt: skip
    code = plugin.authorize("partner", "corp-1", kind="entity")
    needed = await complete(client, "partner", started["state"], code=code)
    assert needed["accountKind"] == "entity", needed
    refused = await send(client, api, needed["ticket"])
    assert (refused["code"], refused["field"]) == ("INVALID_PURPOSE", "ticket")
    assert bind_messages(rt, PHONE) == []
    redeemed = await redeem(client, needed["ticket"], "123456")
    assert (redeemed["code"], redeemed["field"]) == ("INVALID_PURPOSE", "ticket")


async def test_an_empty_ticket_is_required_by_both_mutations(client, api, rt):
    """Empty is REQUIRED on ``ticket``, as in completeBinding (one situation, one code); nothing is sent."""
    for answer in (await send(client, api, "  "), await redeem(client, "", "123456")):
        assert (answer["code"], answer["field"]) == ("REQUIRED", "ticket"), answer
    assert bind_messages(rt, PHONE) == []
