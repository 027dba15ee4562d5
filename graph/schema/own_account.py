"""What only the account's own session sees: its sessions, bindings and verification state (P7, P11).

These are fields of ``PersonAccount``, resolved only when selected; for anyone but the account's own session
(an anonymous registration, another person, staff) lists are empty and objects null, as ``notices`` are.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from graph.schema.enums import AssuranceLevel, BankCheckReason, BankCheckStatus
from uidp.domain.accounts import SubjectKind
from uidp.services.entities.entity_changes import EntityChanges
from uidp.services.persons.levels import BankCheckView, Levels
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.principal import Principal


@strawberry.type(description="One of my live sessions (P11).")
class MySession:
    id: strawberry.ID
    created_at: datetime
    last_seen_at: datetime
    login_method: str
    masked_client_address: str = strawberry.field(description="e.g. 203.0.113.*")
    user_agent: str
    current: bool = strawberry.field(description="The session this request uses.")


@strawberry.type(description="A third-party login bound to my account (P4-P6, P11).")
class LoginBinding:
    provider: str
    created_at: datetime
    masked_display: str = strawberry.field(description="The provider's display name, masked; may be empty.")


@strawberry.type(description="A bank-card check of mine (the latest one).")
class BankCardCheck:
    status: BankCheckStatus
    status_label: str = strawberry.field(description="认证中 / 已认证 / 认证失败")
    reason: BankCheckReason | None
    reason_message: str | None
    masked_card_number: str
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, view: BankCheckView) -> BankCardCheck:
        return cls(
            status=view.status,
            status_label=view.status_label,
            reason=view.reason,
            reason_message=view.reason_message,
            masked_card_number=view.masked_card,
            created_at=view.created_at,
            decided_at=view.decided_at,
        )


@strawberry.type(description="My assurance level and bank-card check (P7 用户空间).")
class MyVerification:
    level: AssuranceLevel
    level_label: str = strawberry.field(description="初级 / 中级 / 高级")
    label: str = strawberry.field(description="认证中 while a check is pending, else 初级认证 / 中级认证 / 高级认证.")
    bank_check: BankCardCheck | None = strawberry.field(description="The latest check, or null.")


async def owner(info: strawberry.Info, subject_kind: SubjectKind, subject_id: uuid.UUID) -> Principal | None:
    """The caller's principal when it is this account's own session, else None."""
    principal: Principal | None = await info.context.principal()
    if principal is None or principal.kind != subject_kind or principal.id != subject_id:
        return None
    return principal


async def own_sessions(info: strawberry.Info, person_id: uuid.UUID) -> list[MySession]:
    principal = await owner(info, SubjectKind.PERSON, person_id)
    if principal is None:
        return []
    rows = await UserSpace(info.context.rt).my_sessions(principal)
    return [
        MySession(
            id=strawberry.ID(str(row.id)),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            login_method=row.login_method,
            masked_client_address=row.masked_client_address,
            user_agent=row.user_agent,
            current=row.current,
        )
        for row in rows
    ]


async def own_bindings(info: strawberry.Info, person_id: uuid.UUID) -> list[LoginBinding]:
    principal = await owner(info, SubjectKind.PERSON, person_id)
    if principal is None:
        return []
    rows = await UserSpace(info.context.rt).my_bindings(principal)
    return [LoginBinding(provider=r.provider, created_at=r.created_at, masked_display=r.masked_display) for r in rows]


async def own_verification(info: strawberry.Info, person_id: uuid.UUID) -> MyVerification | None:
    principal = await owner(info, SubjectKind.PERSON, person_id)
    if principal is None:
        return None
    verification = await Levels(info.context.rt).bank_check_status(principal, info.context.client)
    return MyVerification(
        level=verification.level,
        level_label=verification.level.label,
        label=verification.label,
        bank_check=BankCardCheck.of(verification.check) if verification.check else None,
    )


async def own_recovery_window(
    info: strawberry.Info, subject_kind: SubjectKind, subject_id: uuid.UUID
) -> datetime | None:
    """When this session's window after a scan login closes (FAQ 3.1 / 3.2); null outside it or for others."""
    principal = await owner(info, subject_kind, subject_id)
    if principal is None:
        return None
    if subject_kind == SubjectKind.PERSON:
        return await UserSpace(info.context.rt).card_window_ends_at(principal)
    return await EntityChanges(info.context.rt).licence_window_ends_at(principal)
