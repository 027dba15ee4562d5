"""P7 at the service level: the bank-card check raises a person to level 2, with every refusal and outcome."""

from __future__ import annotations

import uuid

import anyio
import pytest
from tortoise import Tortoise, connections

from plugins.sandbox.bank_card import TEST_CARDS, SandboxBankCardVerifier
from uidp.domain.bank_cards import BankCheckStatus, MismatchReason
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.models.audit import AuditEvent
from uidp.models.bank_check import BankCheck
from uidp.models.person import Person, PersonStatus
from uidp.ports import BankCardQuery, BankCardResult
from uidp.services.persons.levels import DAILY_CHECKS, PHONE_DIFFERS, Levels
from uidp.services.persons.seeding import demo_resident_id, seed_persons
from uidp.services.shared.principal import ClientInfo, Principal

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.1")
PHONE = "13900000000"  # seed_persons' first person: 测试甲, demo_resident_id(0)
MATCH, PENDING = TEST_CARDS["01"], TEST_CARDS["31"]


class RecordingVerifier(SandboxBankCardVerifier):
    """The sandbox provider, remembering what it was asked (a simulated external partner)."""

    def __init__(self, clock) -> None:
        super().__init__(clock=clock)
        self.queries: list[BankCardQuery] = []
        self.polls: list[str] = []

    async def verify(self, query: BankCardQuery) -> BankCardResult:
        self.queries.append(query)
        return await super().verify(query)

    async def poll(self, reference: str) -> BankCardResult:
        self.polls.append(reference)
        return await super().poll(reference)


class StuckVerifier(RecordingVerifier):
    """A provider that never decides, or fails when polled."""

    failing = False

    async def poll(self, reference: str) -> BankCardResult:
        self.polls.append(reference)
        if self.failing:
            raise ConnectionError("provider down")
        return BankCardResult("PENDING", reference=reference)


@pytest.fixture
def verifier(rt, clock):
    recording = RecordingVerifier(clock.monotonic)
    rt.plugins.verifiers["bank_card"] = recording
    return recording


@pytest.fixture
async def person(rt, settings, verifier) -> Principal:
    await seed_persons(settings, 1, "Right#2026pw")
    row = await Person.get()
    return Principal("person", row.id, uuid.uuid4())


async def refused(call, code: ErrorCode) -> DomainError:
    with pytest.raises(DomainError) as error:
        await call
    assert error.value.code == code, error.value
    return error.value


async def level_of(principal: Principal) -> int:
    return (await Person.get(id=principal.id)).level


async def test_match_raises_the_level(rt, person, verifier):
    result = await Levels(rt).verify_bank_card(person, "6217 0000 0000 0000 012", PHONE, CLIENT)
    assert result.level == AssuranceLevel.MEDIUM and result.label == "中级认证"
    assert result.check.status == BankCheckStatus.MATCHED and result.check.reason is None
    assert result.check.masked_card == "6217 **** **** 0012"
    assert await level_of(person) == 2
    (query,) = verifier.queries
    assert query == BankCardQuery("测试甲", "RESIDENT_ID", demo_resident_id(0), MATCH, PHONE)  # from the account
    event = await AuditEvent.get(event_type="level.raised")
    assert event.subject_id == person.id and event.details["card"] == "6217 **** **** 0012"
    assert event.details["level"] == 2 and event.details["method"] == "bank_card"


@pytest.mark.parametrize(
    ("scenario", "reason", "message"),
    [
        ("11", MismatchReason.NAME_MISMATCH, "姓名不一致"),
        ("12", MismatchReason.CERTIFICATE_MISMATCH, "证件号码不一致"),
        ("13", MismatchReason.PHONE_MISMATCH, "预留手机号不一致"),
        ("21", MismatchReason.ACCOUNT_CLASS_NOT_ALLOWED, "仅支持I类银行账户，II类、III类账户不能认证"),
        ("22", MismatchReason.ACCOUNT_CLASS_NOT_ALLOWED, "仅支持I类银行账户，II类、III类账户不能认证"),
        ("41", MismatchReason.CARD_INVALID, "银行卡无效或状态异常"),
    ],
)
async def test_mismatch_keeps_level_one(rt, person, scenario, reason, message):
    result = await Levels(rt).verify_bank_card(person, TEST_CARDS[scenario], PHONE, CLIENT)
    assert result.level == AssuranceLevel.BASIC and result.label == "初级认证"
    assert (result.check.status, result.check.reason, result.check.reason_message) == (
        BankCheckStatus.FAILED,
        reason,
        message,
    )
    assert result.check.status_label == "认证失败"
    assert await level_of(person) == 1
    event = await AuditEvent.get(event_type="bank_check.failed")
    assert (event.outcome, event.details["reason"]) == ("failure", reason.value)


async def test_a_failed_check_can_be_followed_by_another(rt, person, clock):
    levels = Levels(rt)
    await levels.verify_bank_card(person, TEST_CARDS["11"], PHONE, CLIENT)
    clock.advance(60)
    assert (await levels.bank_check_status(person)).check.status == BankCheckStatus.FAILED
    assert (await levels.verify_bank_card(person, MATCH, PHONE, CLIENT)).level == 2
    assert (await levels.bank_check_status(person)).check.status == BankCheckStatus.MATCHED


async def test_pending_then_match_after_time_moves(rt, person, verifier, clock):
    levels = Levels(rt)
    started = await levels.verify_bank_card(person, PENDING, PHONE, CLIENT)
    assert started.check.status == BankCheckStatus.PENDING and started.label == "认证中"
    assert started.check.status_label == "认证中"
    clock.advance(29)
    still = await levels.bank_check_status(person)
    assert still.check.status == BankCheckStatus.PENDING and still.level == 1
    clock.advance(1)
    done = await levels.bank_check_status(person)
    assert done.check.status == BankCheckStatus.MATCHED and done.level == 2 and done.label == "中级认证"
    assert done.check.decided_at == clock.now()
    await levels.bank_check_status(person)  # decided checks are not polled again
    assert len(verifier.polls) == 2
    assert await AuditEvent.filter(event_type="level.raised").count() == 1
    assert await AuditEvent.filter(event_type="bank_check.pending").count() == 1


async def test_pending_then_mismatch(rt, person, clock):
    levels = Levels(rt)
    await levels.verify_bank_card(person, TEST_CARDS["32"], PHONE, CLIENT)
    clock.advance(31)
    done = await levels.bank_check_status(person)
    assert (done.check.status, done.check.reason) == (BankCheckStatus.FAILED, MismatchReason.NAME_MISMATCH)
    assert done.level == 1


async def test_pending_asked_again(rt, person, verifier, clock):
    levels = Levels(rt)
    await levels.verify_bank_card(person, PENDING, PHONE, CLIENT)
    clock.advance(10)
    error = await refused(levels.verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.BANK_CHECK_PENDING)
    assert "认证中" in error.message
    assert len(verifier.queries) == 1 and await BankCheck.all().count() == 1
    clock.advance(20)  # the pending check is decided now: asking again applies it first
    await refused(levels.verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.ALREADY_AT_LEVEL)
    assert await level_of(person) == 2 and len(verifier.queries) == 1


async def test_concurrent_checks_leave_one_pending(rt, person):
    outcomes: list[object] = []

    async def one() -> None:
        try:
            outcomes.append((await Levels(rt).verify_bank_card(person, PENDING, PHONE, CLIENT)).check.status)
        except DomainError as error:
            outcomes.append(error.code)

    async with anyio.create_task_group() as group:
        group.start_soon(one)
        group.start_soon(one)
    assert sorted(map(str, outcomes)) == ["BANK_CHECK_PENDING", "PENDING"]
    assert await BankCheck.filter(status=BankCheckStatus.PENDING).count() == 1


@pytest.mark.parametrize("card", ["6217000000000000013", "621700000000", "6217 0000 0000 0000 01X"])
async def test_invalid_card_is_refused_before_the_provider(rt, person, verifier, card):
    error = await refused(Levels(rt).verify_bank_card(person, card, PHONE, CLIENT), ErrorCode.INVALID_BANK_CARD)
    assert error.field == "cardNumber"
    assert verifier.queries == [] and await BankCheck.all().count() == 0


async def test_reserved_phone_must_be_the_account_phone(rt, person, verifier):
    error = await refused(
        Levels(rt).verify_bank_card(person, MATCH, "13900000001", CLIENT), ErrorCode.BANK_CHECK_FAILED
    )
    assert (error.field, error.message) == ("reservedPhone", PHONE_DIFFERS)
    assert verifier.queries == [] and await BankCheck.all().count() == 0
    event = await AuditEvent.get(event_type="bank_check.refused")
    assert event.details == {"reason": "reserved_phone_differs", "reserved_phone": "139****0001"}
    bad = await refused(Levels(rt).verify_bank_card(person, MATCH, "12345", CLIENT), ErrorCode.INVALID_PHONE)
    assert bad.field == "reservedPhone"
    assert (await Levels(rt).verify_bank_card(person, MATCH, "+86 139 0000 0000", CLIENT)).level == 2


async def test_already_at_level_two_or_three(rt, person, verifier):
    await Levels(rt).verify_bank_card(person, MATCH, PHONE, CLIENT)
    error = await refused(Levels(rt).verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.ALREADY_AT_LEVEL)
    assert "中级" in error.message
    await Person.filter(id=person.id).update(level=3)
    error = await refused(Levels(rt).verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.ALREADY_AT_LEVEL)
    assert "高级" in error.message
    assert len(verifier.queries) == 1


async def test_provider_failure_changes_nothing(rt, person):
    error = await refused(
        Levels(rt).verify_bank_card(person, TEST_CARDS["99"], PHONE, CLIENT), ErrorCode.VERIFIER_UNAVAILABLE
    )
    assert error.message == "银行卡核验服务暂不可用，请稍后再试"
    assert await BankCheck.all().count() == 0 and await level_of(person) == 1
    assert (await AuditEvent.get(event_type="bank_check.unavailable")).outcome == "failure"
    for _ in range(DAILY_CHECKS):  # failures of the provider do not use up the person's daily checks
        await refused(
            Levels(rt).verify_bank_card(person, TEST_CARDS["99"], PHONE, CLIENT), ErrorCode.VERIFIER_UNAVAILABLE
        )
    assert (await Levels(rt).verify_bank_card(person, MATCH, PHONE, CLIENT)).level == 2


async def test_no_verifier_installed(rt, person):
    del rt.plugins.verifiers["bank_card"]
    await refused(Levels(rt).verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.VERIFIER_UNAVAILABLE)


async def test_daily_limit(rt, person, verifier, clock):
    levels = Levels(rt)
    for _ in range(DAILY_CHECKS):
        await levels.verify_bank_card(person, TEST_CARDS["13"], PHONE, CLIENT)
    error = await refused(levels.verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.RATE_LIMITED)
    assert 0 < error.details["retry_after"] <= 86400
    assert len(verifier.queries) == DAILY_CHECKS


async def test_a_stuck_check_expires_after_a_day(rt, person, clock):
    stuck = StuckVerifier(clock.monotonic)
    rt.plugins.verifiers["bank_card"] = stuck
    levels = Levels(rt)
    await levels.verify_bank_card(person, PENDING, PHONE, CLIENT)
    clock.advance(3600)
    stuck.failing = True
    assert (await levels.bank_check_status(person)).label == "认证中"  # a failing poll leaves it pending
    clock.advance(23 * 3600)
    done = await levels.bank_check_status(person)
    assert (done.check.status, done.check.reason) == (BankCheckStatus.FAILED, MismatchReason.EXPIRED)
    assert (await levels.verify_bank_card(person, MATCH, PHONE, CLIENT)).level == 2  # free to try again


async def test_only_active_persons(rt, person):
    staff = Principal("staff", uuid.uuid4(), uuid.uuid4(), ("operator",))
    await refused(Levels(rt).verify_bank_card(staff, MATCH, PHONE, CLIENT), ErrorCode.FORBIDDEN)
    await refused(Levels(rt).bank_check_status(staff), ErrorCode.FORBIDDEN)
    ghost = Principal("person", uuid.uuid4(), uuid.uuid4())
    await refused(Levels(rt).verify_bank_card(ghost, MATCH, PHONE, CLIENT), ErrorCode.NOT_AUTHENTICATED)
    await Person.filter(id=person.id).update(status=PersonStatus.PENDING_REVIEW)
    await refused(Levels(rt).verify_bank_card(person, MATCH, PHONE, CLIENT), ErrorCode.FORBIDDEN)


async def test_no_check_yet(rt, person):
    state = await Levels(rt).bank_check_status(person)
    assert (state.level, state.check, state.label) == (AssuranceLevel.BASIC, None, "初级认证")


async def dump_database() -> str:
    rows = []
    for app in Tortoise.apps.values():
        for model in app.values():
            _, result = await connections.get("default").execute_query(f'SELECT * FROM "{model._meta.db_table}"')
            rows += [repr(dict(row)) for row in result]
    return "\n".join(rows)


async def test_no_table_holds_a_card_number_in_clear(rt, person, clock):
    levels = Levels(rt)
    await levels.verify_bank_card(person, TEST_CARDS["11"], PHONE, CLIENT)
    clock.advance(60)
    await levels.verify_bank_card(person, PENDING, PHONE, CLIENT)
    clock.advance(60)
    await levels.bank_check_status(person)
    dump = await dump_database()
    assert "6217 **** **** 0111" in dump and "bank_check.card_number" not in dump
    for card in (TEST_CARDS["11"], PENDING):
        assert card not in dump and card[4:-4] not in dump
    row = await BankCheck.filter(status=BankCheckStatus.MATCHED).first()
    assert rt.cipher.decrypt(row.card_number_enc, context="bank_check.card_number", row=str(row.id)) == PENDING
