"""P7 through HTTP: verifyBankCard and PersonAccount.verification with the sandbox bank-card verifier as installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.sandbox import SandboxBankCardVerifier
from plugins.sandbox.bank_card import TEST_CARDS
from tests.support import enrol_staff
from uidp.domain.bank_cards import luhn_valid
from uidp.models.bank_check import BankCheck
from uidp.services.persons.levels import DAILY_CHECKS

pytestmark = pytest.mark.anyio
PHONE = "15012340058"

VERIFY = """mutation($i: VerifyBankCardInput!) { verifyBankCard(input: $i) { __typename
  ... on BankCheckResult { status statusLabel reason reasonMessage maskedCardNumber level levelLabel }
  ... on RateLimited { retryAfterSeconds }
  ... on Error { code message field } } }"""
MINE = """{ me { ... on PersonAccount { verification { level levelLabel label
  bankCheck { status statusLabel reason reasonMessage maskedCardNumber createdAt decidedAt } } } } }"""


@pytest.fixture
def sandbox(rt, clock) -> SandboxBankCardVerifier:
    verifier = rt.plugins.verifiers["bank_card"]
    assert isinstance(verifier, SandboxBankCardVerifier)  # the default plugins install it
    verifier.clock = clock.monotonic
    return verifier


@pytest.fixture
async def token(api, sandbox) -> str:
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    login = await api.login(PHONE)
    assert login["__typename"] == "LoginSuccess"
    return login["token"]


async def verify(api, token, card, phone=PHONE):
    data = await api.data(VERIFY, {"i": {"cardNumber": card, "reservedPhone": phone}}, token=token)
    return data["verifyBankCard"]


async def mine(api, token):
    return (await api.data(MINE, token=token))["me"]["verification"]


async def test_match_raises_to_level_two(api, token):
    assert await mine(api, token) == {"level": "BASIC", "levelLabel": "初级", "label": "初级认证", "bankCheck": None}
    result = await verify(api, token, "6217 0000 0000 0000 012")
    assert result == {
        "__typename": "BankCheckResult",
        "status": "MATCHED",
        "statusLabel": "已认证",
        "reason": None,
        "reasonMessage": None,
        "maskedCardNumber": "6217 **** **** 0012",
        "level": "MEDIUM",
        "levelLabel": "中级",
    }
    state = await mine(api, token)
    assert (state["level"], state["label"], state["bankCheck"]["status"]) == ("MEDIUM", "中级认证", "MATCHED")
    assert (await api.me(token))["levelLabel"] == "中级"


@pytest.mark.parametrize(
    ("scenario", "reason", "message"),
    [
        ("11", "NAME_MISMATCH", "姓名不一致"),
        ("12", "CERTIFICATE_MISMATCH", "证件号码不一致"),
        ("13", "PHONE_MISMATCH", "预留手机号不一致"),
        ("21", "ACCOUNT_CLASS_NOT_ALLOWED", "仅支持I类银行账户，II类、III类账户不能认证"),
        ("22", "ACCOUNT_CLASS_NOT_ALLOWED", "仅支持I类银行账户，II类、III类账户不能认证"),
        ("41", "CARD_INVALID", "银行卡无效或状态异常"),
    ],
)
async def test_mismatch_reasons(api, token, scenario, reason, message):
    result = await verify(api, token, TEST_CARDS[scenario])
    assert (result["status"], result["statusLabel"], result["reason"], result["reasonMessage"]) == (
        "FAILED",
        "认证失败",
        reason,
        message,
    )
    assert result["level"] == "BASIC"
    state = await mine(api, token)
    assert (state["label"], state["bankCheck"]["reasonMessage"]) == ("初级认证", message)
    assert state["bankCheck"]["decidedAt"] is not None


async def test_pending_then_done_after_time_moves(api, token, clock):
    result = await verify(api, token, TEST_CARDS["31"])
    assert (result["status"], result["statusLabel"], result["level"]) == ("PENDING", "认证中", "BASIC")
    state = await mine(api, token)
    assert (state["label"], state["bankCheck"]["status"], state["bankCheck"]["decidedAt"]) == (
        "认证中",
        "PENDING",
        None,
    )
    again = await verify(api, token, TEST_CARDS["01"])
    assert (again["__typename"], again["code"]) == ("FieldError", "BANK_CHECK_PENDING")
    clock.advance(30)
    state = await mine(api, token)
    assert (state["level"], state["label"], state["bankCheck"]["statusLabel"]) == ("MEDIUM", "中级认证", "已认证")
    assert (await api.me(token))["level"] == "MEDIUM"


async def test_pending_then_failure(api, token, clock):
    await verify(api, token, TEST_CARDS["32"])
    clock.advance(31)
    state = await mine(api, token)
    assert (state["label"], state["bankCheck"]["reason"]) == ("初级认证", "NAME_MISMATCH")
    assert (await verify(api, token, TEST_CARDS["01"]))["level"] == "MEDIUM"  # a new check may follow


@pytest.mark.parametrize(
    ("card", "phone", "code", "field"),
    [
        ("6217000000000000013", PHONE, "INVALID_BANK_CARD", "cardNumber"),  # Luhn
        ("6217-0000", PHONE, "INVALID_BANK_CARD", "cardNumber"),
        ("", PHONE, "REQUIRED", "cardNumber"),
        (TEST_CARDS["01"], "15012340059", "BANK_CHECK_FAILED", "reservedPhone"),
        (TEST_CARDS["01"], "0571-1234", "INVALID_PHONE", "reservedPhone"),
    ],
)
async def test_bad_input_stores_nothing(api, token, card, phone, code, field):
    result = await verify(api, token, card, phone)
    assert (result["__typename"], result["code"], result["field"]) == ("FieldError", code, field)
    assert await BankCheck.all().count() == 0
    assert (await mine(api, token))["bankCheck"] is None


async def test_reserved_phone_message(api, token):
    result = await verify(api, token, TEST_CARDS["01"], "15012340059")
    assert result["message"] == "银行预留手机号须与账号绑定的手机号一致，否则无法完成中级认证"


async def test_already_at_level_two(api, token):
    await verify(api, token, TEST_CARDS["01"])
    result = await verify(api, token, TEST_CARDS["01"])
    assert (result["code"], result["message"]) == ("ALREADY_AT_LEVEL", "当前账号已是中级认证，无需银行卡认证")


async def test_provider_down(api, token):
    result = await verify(api, token, TEST_CARDS["99"])
    assert (result["__typename"], result["code"]) == ("FieldError", "VERIFIER_UNAVAILABLE")
    assert (await mine(api, token))["bankCheck"] is None


async def test_daily_limit(api, token):
    for _ in range(DAILY_CHECKS):
        assert (await verify(api, token, TEST_CARDS["13"]))["status"] == "FAILED"
    result = await verify(api, token, TEST_CARDS["01"])
    assert (result["__typename"], result["code"]) == ("RateLimited", "RATE_LIMITED")
    assert 0 < result["retryAfterSeconds"] <= 86400


async def test_daily_limit_holds_under_a_concurrent_burst(api, token):
    import asyncio

    results = await asyncio.gather(*(verify(api, token, TEST_CARDS["13"]) for _ in range(3 * DAILY_CHECKS)))
    answers = [r.get("status") or r.get("code") for r in results]
    assert answers.count("FAILED") == DAILY_CHECKS  # counted before the provider is asked
    assert answers.count("RATE_LIMITED") == 2 * DAILY_CHECKS


async def test_a_provider_failure_does_not_use_up_a_check(api, token):
    for _ in range(DAILY_CHECKS + 1):
        assert (await verify(api, token, TEST_CARDS["99"]))["code"] == "VERIFIER_UNAVAILABLE"
    assert (await verify(api, token, TEST_CARDS["13"]))["status"] == "FAILED"


async def test_anonymous(api, sandbox):
    result = await verify(api, None, TEST_CARDS["01"])
    assert (result["__typename"], result["code"]) == ("NotAuthenticated", "NOT_AUTHENTICATED")
    body = await api.gql(MINE)
    assert body == {"data": {"me": None}}, body  # no account, so no verification state


async def test_staff_are_forbidden(api, rt, sandbox):
    issued = await enrol_staff(rt, "administrator", username="alice")
    result = await verify(api, issued.token, TEST_CARDS["01"])
    assert (result["__typename"], result["code"]) == ("Forbidden", "FORBIDDEN")
    body = await api.gql(MINE, token=issued.token)
    assert body == {"data": {"me": {}}}, body  # a StaffMember: it has no verification state
    assert await BankCheck.all().count() == 0


def test_sandbox_cards_are_documented_and_luhn_valid():
    docs = Path(__file__).resolve().parents[2] / "docs"
    plugins_doc, api_doc = (docs / "plugins.md").read_text(), (docs / "api.md").read_text()
    for scenario, number in TEST_CARDS.items():
        assert luhn_valid(number), number
        assert f"| `{number}` | {scenario} |" in plugins_doc, number
    for scenario in ("01", "11", "31"):
        assert TEST_CARDS[scenario] in api_doc


@pytest.mark.parametrize("reference", ["x", "sbx-01-0-aa", "sbx-77-0-aa", "abc-31-0-aa", "sbx-31-soon-aa"])
async def test_sandbox_poll_refuses_unknown_references(reference):
    with pytest.raises(LookupError):
        await SandboxBankCardVerifier(clock=lambda: 0.0).poll(reference)
