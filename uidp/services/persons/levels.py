"""Assurance levels (P7, manual §1.4): a person rises from 初级 to 中级 with the bank-card four-element check.

The person types only the card number and the bank-reserved phone; name and certificate number come from the
account. The reserved phone must equal the account's phone (§1.4.1), checked here before any provider is
asked. The provider is the ``bank_card`` verifier plugin (``uidp.ports.BankCardVerifier``); it may answer at
once or later (PENDING: the account shows 认证中 until a poll brings the answer). Card numbers are stored
encrypted and shown masked only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.bank_cards import BankCheckStatus, MismatchReason, normalize_card_number
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_bank_card, mask_phone
from uidp.models.bank_check import BankCheck
from uidp.models.person import Person, PersonStatus
from uidp.ports import BankCardQuery, BankCardResult
from uidp.runtime import Runtime
from uidp.services.oidc.outbox import wake
from uidp.services.oidc.security_events import owe_level_changed
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.audit import Audit
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.request_limits import spend

log = logging.getLogger("uidp.levels")

DAILY_CHECKS = 5  # provider checks per person per 24 hours
CHECKS_USED_UP = "今日银行卡认证次数已用完，请明天再试"
DAY_SECONDS = 86400
PENDING_GIVES_UP = timedelta(hours=24)  # a check the provider never answers fails as EXPIRED
CARD_COLUMN = "bank_check.card_number"
PHONE_DIFFERS = "银行预留手机号须与账号绑定的手机号一致，否则无法完成中级认证"
_STATUS_OF = {"MATCH": BankCheckStatus.MATCHED, "MISMATCH": BankCheckStatus.FAILED, "PENDING": BankCheckStatus.PENDING}


@dataclass(frozen=True)
class BankCheckView:
    """A check as its owner sees it: status, reason and the masked card."""

    id: uuid.UUID
    status: BankCheckStatus
    reason: MismatchReason | None
    masked_card: str
    created_at: datetime
    decided_at: datetime | None

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def reason_message(self) -> str | None:
        return self.reason.message if self.reason else None

    @classmethod
    def of(cls, row: BankCheck) -> BankCheckView:
        return cls(
            id=row.id,
            status=BankCheckStatus(row.status),
            reason=MismatchReason.of(row.reason) if row.reason else None,
            masked_card=row.masked_card,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )


@dataclass(frozen=True)
class Verification:
    """The person's level and latest bank-card check."""

    level: AssuranceLevel
    check: BankCheckView | None

    @property
    def label(self) -> str:
        """认证中 while a check is pending, else 初级认证 / 中级认证 / 高级认证."""
        if self.check is not None and self.check.status == BankCheckStatus.PENDING:
            return BankCheckStatus.PENDING.label
        return self.level.label + "认证"


def unavailable() -> DomainError:
    return DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "银行卡核验服务暂不可用，请稍后再试")


class Levels:
    """Bank-card checks of the acting person; every method takes that person's Principal."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)

    async def verify_bank_card(
        self, principal: Principal, card_number: str, reserved_phone: str, client: ClientInfo
    ) -> Verification:
        """Check name + certificate (from the account) + card + reserved phone; raise the level on a match.

        Refuses (typed errors, nothing stored, no provider call): a person not ACTIVE, already at level 2 or
        higher (ALREADY_AT_LEVEL), with a check still pending (BANK_CHECK_PENDING), a card number that is
        not 13-19 digits or fails the Luhn check (INVALID_BANK_CARD), a reserved phone other than the
        account's (BANK_CHECK_FAILED), more than DAILY_CHECKS checks a day (RATE_LIMITED). A provider that
        fails answers VERIFIER_UNAVAILABLE and changes nothing. A match, a mismatch (with its reason) or a
        pending answer is stored and audited, and returned.
        """
        person = await self._person(principal)
        if person.status != PersonStatus.ACTIVE:
            raise DomainError(ErrorCode.FORBIDDEN, "账号未激活，暂不能进行认证")
        pending = await BankCheck.get_or_none(pending_key=str(person.id))
        if pending is not None:
            pending = await self._refresh(person, pending, client)
            if pending.status == BankCheckStatus.PENDING:
                raise DomainError(ErrorCode.BANK_CHECK_PENDING, "银行卡认证中，请耐心等待结果")
            person = await Person.get(id=person.id)
        if person.level >= AssuranceLevel.MEDIUM:
            level = AssuranceLevel(person.level)
            raise DomainError(ErrorCode.ALREADY_AT_LEVEL, f"当前账号已是{level.label}认证，无需银行卡认证")
        number = normalize_card_number(card_number, "cardNumber")
        phone = normalize_phone(reserved_phone, "reservedPhone")
        account_phone = self.pii.open("person.phone", person.id, person.phone_enc) if person.phone_enc else None
        if phone != account_phone:
            await self.audit.record(
                "bank_check.refused",
                outcome="failure",
                actor=principal,
                subject=(SubjectKind.PERSON, person.id),
                client=client,
                reason="reserved_phone_differs",
                reserved_phone=mask_phone(phone),
            )
            raise DomainError(ErrorCode.BANK_CHECK_FAILED, PHONE_DIFFERS, "reservedPhone")
        verifier = self.rt.plugins.bank_card_verifier()
        if verifier is None:
            raise unavailable()
        limit_key = f"levels:bank-checks:{person.id}"
        # Counted before the provider is asked; a provider that fails hands the check back.
        await spend(self.rt, limit_key, limit=DAILY_CHECKS, window=DAY_SECONDS, message=CHECKS_USED_UP)
        query = BankCardQuery(
            name=self.pii.open("person.name", person.id, person.name_enc),
            certificate_type=person.certificate_type,
            certificate_number=self.pii.open("person.certificate_number", person.id, person.certificate_number_enc),
            card_number=number,
            phone=phone,
        )
        try:
            result = _checked(await verifier.verify(query), pending_needs_reference=True)
        except Exception as error:
            # The exception may quote the request; log its type only.
            log.warning("bank-card verifier %s failed: %s", verifier.id, type(error).__name__)
            await self.audit.record(
                "bank_check.unavailable",
                outcome="failure",
                actor=principal,
                subject=(SubjectKind.PERSON, person.id),
                client=client,
                provider=verifier.id,
            )
            await self.rt.store.decr(limit_key)
            raise unavailable() from None
        check = await self._store(person, number, verifier.id, result)
        await self._audit_outcome(person.id, check, client, actor=principal)
        person = await Person.get(id=person.id)
        return Verification(AssuranceLevel(person.level), BankCheckView.of(check))

    async def bank_check_status(self, principal: Principal, client: ClientInfo | None = None) -> Verification:
        """The person's level and latest check; a pending check is polled first and its answer applied.

        A provider that fails while polling leaves the check pending (认证中); it is asked again next time.
        """
        person = await self._person(principal)
        check = await BankCheck.get_or_none(pending_key=str(person.id))
        if check is not None:
            check = await self._refresh(person, check, client)
            person = await Person.get(id=person.id)
        else:
            check = await BankCheck.filter(person_id=person.id).order_by("-created_at").first()
        return Verification(AssuranceLevel(person.level), BankCheckView.of(check) if check else None)

    # ---- helpers ------------------------------------------------------------------------------

    async def _person(self, principal: Principal) -> Person:
        return await PersonLookup(self.rt).acting(principal, staff_message="仅个人账号可进行银行卡认证")

    async def _store(self, person: Person, number: str, provider: str, result: BankCardResult) -> BankCheck:
        now = self.rt.clock.now()
        status = _STATUS_OF[result.status]
        try:
            async with in_transaction():
                check_id = uuid.uuid4()
                check = await BankCheck.create(
                    id=check_id,
                    person_id=person.id,
                    status=status,
                    reason=MismatchReason.of(result.reason).value if status == BankCheckStatus.FAILED else None,
                    masked_card=mask_bank_card(number),
                    card_number_enc=self.pii.seal(CARD_COLUMN, check_id, number),
                    provider=provider[:64],
                    provider_reference=result.reference if status == BankCheckStatus.PENDING else None,
                    pending_key=str(person.id) if status == BankCheckStatus.PENDING else None,
                    created_at=now,
                    decided_at=None if status == BankCheckStatus.PENDING else now,
                )
                if status == BankCheckStatus.MATCHED:
                    await self._raise_level(person.id, now)
        except IntegrityError:  # a concurrent request stored a pending check first
            raise DomainError(ErrorCode.BANK_CHECK_PENDING, "银行卡认证中，请耐心等待结果") from None
        if status == BankCheckStatus.MATCHED:
            await wake(self.rt)
        return check

    async def _raise_level(self, person_id: uuid.UUID, now: datetime) -> int:
        # Only from level 1: a person who reached level 3 meanwhile keeps it.
        raised = await Person.filter(id=person_id, level=AssuranceLevel.BASIC, status=PersonStatus.ACTIVE).update(
            level=AssuranceLevel.MEDIUM, updated_at=now
        )
        if raised:  # subscribed connected systems are told, in this transaction (C3)
            await owe_level_changed(self.rt, (SubjectKind.PERSON.value, person_id), AssuranceLevel.BASIC, 2)
        return raised

    async def _refresh(self, person: Person, check: BankCheck, client: ClientInfo | None) -> BankCheck:
        """Poll a pending check and apply its answer once (concurrent polls: the first one applies it)."""
        now = self.rt.clock.now()
        if now - check.created_at >= PENDING_GIVES_UP:
            result = BankCardResult("MISMATCH", MismatchReason.EXPIRED.value)
        else:
            verifier = self.rt.plugins.bank_card_verifier()
            if verifier is None or verifier.id != check.provider or not check.provider_reference:
                return check  # asked again when its provider is back, or failed as EXPIRED after a day
            try:
                result = _checked(await verifier.poll(check.provider_reference), pending_needs_reference=False)
            except Exception as error:
                log.warning("bank-card verifier %s failed to poll: %s", verifier.id, type(error).__name__)
                return check
        if result.status == "PENDING":
            return check
        status = _STATUS_OF[result.status]
        async with in_transaction():
            applied = await BankCheck.filter(id=check.id, status=BankCheckStatus.PENDING).update(
                status=status,
                reason=MismatchReason.of(result.reason).value if status == BankCheckStatus.FAILED else None,
                decided_at=now,
                pending_key=None,
            )
            if applied and status == BankCheckStatus.MATCHED:
                await self._raise_level(person.id, now)
        if applied and status == BankCheckStatus.MATCHED:
            await wake(self.rt)
        check = await BankCheck.get(id=check.id)
        if applied:
            await self._audit_outcome(person.id, check, client)
        return check

    async def _audit_outcome(
        self, person_id: uuid.UUID, check: BankCheck, client: ClientInfo | None, actor: Principal | None = None
    ) -> None:
        common = {"actor": actor, "subject": (SubjectKind.PERSON, person_id), "client": client}
        details = {"card": check.masked_card, "provider": check.provider, "check_id": str(check.id)}
        if check.status == BankCheckStatus.MATCHED:
            await self.audit.record("level.raised", **common, **details, method="bank_card", level=2)
        elif check.status == BankCheckStatus.FAILED:
            await self.audit.record("bank_check.failed", outcome="failure", **common, **details, reason=check.reason)
        else:
            await self.audit.record("bank_check.pending", **common, **details)


def _checked(result: object, *, pending_needs_reference: bool) -> BankCardResult:
    """A verifier's answer in the protocol's shape; anything else counts as a verifier failure."""
    if not isinstance(result, BankCardResult) or result.status not in _STATUS_OF:
        raise ValueError("verifier answer does not follow uidp.ports.BankCardResult")
    if pending_needs_reference and result.status == "PENDING" and not result.reference:
        raise ValueError("a pending answer needs a reference")
    return result
