"""Staff accounts (minimal for now: create, roles, password login through the password method)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.password_policy import check_password
from uidp.models.staff import StaffAccount
from uidp.runtime import Runtime
from uidp.services.audit import Audit
from uidp.services.credentials import Passwords
from uidp.services.registration import POLICY


class StaffRole(StrEnum):
    REVIEWER = "reviewer"
    OPERATOR = "operator"
    ADMINISTRATOR = "administrator"


class StaffService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def create(self, username: str, display_name: str, password: str, roles: list[StaffRole]) -> StaffAccount:
        """Create a staff account (CLI ``uidp create-staff``); audited."""
        username = username.strip().lower()
        if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise DomainError(ErrorCode.INVALID_FORMAT, "用户名只能包含字母、数字、点、横线和下划线", "username")
        password = check_password(password, password, policy=POLICY)
        password_hash = await self.rt.hasher.hash(password)
        staff_id = uuid.uuid4()
        try:
            async with in_transaction():
                staff = await StaffAccount.create(
                    id=staff_id,
                    username=username,
                    display_name=display_name or username,
                    roles=[role.value for role in roles],
                    created_at=self.rt.clock.now(),
                )
                await Passwords(self.rt).store_hash("staff", staff_id, password_hash)
        except IntegrityError:
            raise DomainError(ErrorCode.INVALID_FORMAT, "该用户名已存在", "username") from None
        await Audit(self.rt).record(
            "staff.created", subject=("staff", staff_id), roles=[r.value for r in roles], username=username
        )
        return staff

    async def get(self, staff_id: uuid.UUID) -> StaffAccount | None:
        return await StaffAccount.get_or_none(id=staff_id)
