"""What both persons' appeals share: the bank-card proof, and opening the review case with the code spent."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.bank_cards import MismatchReason
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.review import CaseKind
from uidp.models.upload import DocumentKind
from uidp.ports import BankCardQuery
from uidp.runtime import Runtime
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.uploads import Uploads
from uidp.services.staff.review import ReviewCases

# Refusals after the code that reveal something or cost a provider check: they spend the code.
SPENDS_THE_CODE = frozenset({ErrorCode.BANK_CHECK_FAILED, ErrorCode.LOGIN_IDENTIFIER_TAKEN})
CASE_OWNER = "review_case"  # owner_kind of uploads attached to a case that has no account yet (P9a)
SUBMITS_PER_HOUR = 10  # per client address, phone and certificate appeals together


@dataclass(frozen=True)
class SubmittedCase:
    case_id: uuid.UUID
    due_at: datetime


async def limit_submits(rt: Runtime, client: ClientInfo) -> None:
    """Count one appeal submission by the client address (P9a and P9b share it); RATE_LIMITED past the hour's."""
    await limit_per_client(rt, "appeal", client, per_hour=SUBMITS_PER_HOUR)


async def check_bank_card(rt: Runtime, query: BankCardQuery) -> None:
    """The four elements (name, certificate, card, reserved phone) must MATCH at the bank-card verifier."""
    verifier = rt.plugins.bank_card_verifier()
    if verifier is None:
        raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "银行卡认证服务暂不可用，请稍后再试", "cardNumber")
    try:
        result = await verifier.verify(query)
        if result.status == "PENDING" and result.reference:
            result = await verifier.poll(result.reference)
    except Exception:
        raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "银行卡认证服务暂不可用，请稍后再试", "cardNumber") from None
    if result.status == "PENDING":
        raise DomainError(ErrorCode.BANK_CHECK_PENDING, "银行卡认证中，请稍后再提交申诉", "cardNumber")
    if result.status != "MATCH":
        message = MismatchReason.of(result.reason).message
        raise DomainError(ErrorCode.BANK_CHECK_FAILED, message, "cardNumber", reason=result.reason)


async def open_case(
    rt: Runtime,
    kind: CaseKind,
    *,
    notify_phone: str,
    details: dict[str, Any],
    summary: dict[str, Any],
    pending_key: str,
    person_id: uuid.UUID | None,
    code: tuple[SmsPurpose, str, str],
    documents: Mapping[DocumentKind, uuid.UUID] | None = None,
    spend_ticket: Callable[[], Awaitable[object]] | None = None,
) -> SubmittedCase:
    """Open the case, attach its documents, spend the SMS code and last the flow's step ticket, all or nothing.

    ``spend_ticket`` raises STEP_INVALID when a concurrent submission spent the ticket first, which rolls
    this case back: one ticket opens one case.
    """
    try:
        async with in_transaction():
            case = await ReviewCases(rt).open(
                kind,
                notify_phone=notify_phone,
                details=details,
                summary=summary,
                person_id=person_id,
                pending_key=pending_key,
            )
            if documents:
                await Uploads(rt).claim(documents, owner=(CASE_OWNER, case.id))
            await SmsCodes(rt).consume(*code)
            if spend_ticket is not None:
                await spend_ticket()
    except IntegrityError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "已有一件同样的申诉正在审核中，请等待短信通知", None) from None
    return SubmittedCase(case.id, case.due_at)
