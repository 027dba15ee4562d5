"""Staff accounts: create with roles (enrolment follows), and check the TOTP second factor at login (A2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from uidp.domain.accounts import StaffRole, SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.staff import StaffAccount, StaffTotp
from uidp.runtime import Runtime
from uidp.security import totp
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.staff.staff_enrolment import CREATE, TOTP_COLUMN, TOTP_RESET, SetupCode, StaffEnrolments


class StaffService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def create(
        self,
        username: str,
        display_name: str,
        roles: list[StaffRole],
        *,
        actor: Principal | None,
        client: ClientInfo | None = None,
    ) -> tuple[StaffAccount, SetupCode]:
        """Create a staff account without password or TOTP, and its single-use setup code; audited.

        The member sets both at first login (``StaffEnrolments``), so whoever creates the account never
        learns either.
        """
        username = (username or "").strip().lower()
        if (
            not username
            or len(username) > 64
            or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            raise DomainError(ErrorCode.INVALID_FORMAT, "用户名只能包含字母、数字、点、横线和下划线", "username")
        if not roles:
            raise DomainError(ErrorCode.REQUIRED, "请至少选择一个角色", "roles")
        role_values = sorted({StaffRole(role).value for role in roles})
        try:
            async with in_transaction():
                staff = await StaffAccount.create(
                    id=uuid.uuid4(),
                    username=username,
                    display_name=(display_name or username).strip()[:64],
                    roles=role_values,
                    created_at=self.rt.clock.now(),
                )
                setup = await StaffEnrolments(self.rt).issue(staff, CREATE, actor=actor, client=client)
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "该用户名已存在", "username") from None
        await Audit(self.rt).record(
            "staff.created",
            actor=actor,
            subject=(SubjectKind.STAFF, staff.id),
            client=client,
            roles=role_values,
            username=username,
        )
        return staff, setup

    async def new_setup_code(
        self, username: str, *, actor: Principal | None, client: ClientInfo | None = None
    ) -> SetupCode:
        """A new setup code: a lost authenticator (the old TOTP dies now, and every session of the member), or a
        first enrolment whose code was lost. Re-enrolling a TOTP needs the member's current password, so the
        issuer cannot use the code to take the account."""
        staff = await self.by_username(username)
        if staff is None:
            raise DomainError(ErrorCode.NOT_FOUND, "没有该管理员账号", "username")
        enrolled = await Passwords(self.rt).hash_of(SubjectKind.STAFF, staff.id) is not None
        async with in_transaction():
            if enrolled:
                await StaffTotp.filter(staff_id=staff.id).delete()
            setup = await StaffEnrolments(self.rt).issue(
                staff, TOTP_RESET if enrolled else CREATE, actor=actor, client=client
            )
        if enrolled:
            ended = await Sessions(self.rt).revoke_all(SubjectKind.STAFF, staff.id, "totp_reset")
            await Audit(self.rt).record(
                "staff.totp_reset",
                actor=actor,
                subject=(SubjectKind.STAFF, staff.id),
                client=client,
                sessions_ended=ended,
            )
        return setup

    async def get(self, staff_id: uuid.UUID) -> StaffAccount | None:
        return await StaffAccount.get_or_none(id=staff_id)

    async def usernames(self, staff_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The usernames of these staff members (absent ids are left out), in one query."""
        return {member.id: member.username for member in await StaffAccount.filter(id__in=list(set(staff_ids)))}

    async def by_username(self, username: str) -> StaffAccount | None:
        return await StaffAccount.get_or_none(username=(username or "").strip().lower(), active=True)

    async def check_totp(self, staff_id: uuid.UUID, code: str) -> bool:
        """True once per step for a right code (current step +- 1); records the step so it cannot be replayed.

        Each call is counted before the code is looked at, so a burst of concurrent guesses gets at most
        ``staff_totp_max_tries`` codes checked in the login window; past that SECOND_FACTOR_LOCKED, even for
        the right code. A right code clears the count.
        """
        await self._count_try(staff_id)
        return await self._spend_totp(staff_id, code)

    async def prove_owner(self, username: str, password: str, totp_code: str, *, label: str | None) -> Principal:
        """The member themself, proven with their password and a fresh TOTP code, for chores that act as them
        (``uidp create-token``). One try is counted before either is checked, on the TOTP counter; every
        failure, an unknown username included, answers the same INVALID_CREDENTIALS."""
        staff = await self.by_username(username)
        await self._count_try(staff.id if staff else self.rt.blind.digest("staff-proof", (username or "").lower()))
        stored = await Passwords(self.rt).hash_of(SubjectKind.STAFF, staff.id) if staff else None
        password_ok = await self.rt.hasher.verify(password or "", stored)
        if staff is None or not password_ok or not await self._spend_totp(staff.id, totp_code):
            await Audit(self.rt).record(
                "staff.proof_failed",
                outcome="failure",
                subject=(SubjectKind.STAFF, staff.id) if staff else None,
                via=label,
            )
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, "用户名、密码或动态口令错误", "password")
        return Principal(SubjectKind.STAFF, staff.id, staff.id, tuple(staff.roles), label=label)

    async def _count_try(self, subject: uuid.UUID | str) -> None:
        settings = self.rt.settings
        key = f"staff:totp:tries:{subject}"
        tries = await self.rt.store.incr(key, settings.login_window_seconds)
        if tries > settings.staff_totp_max_tries:
            minutes = max(1, round((await self.rt.store.ttl(key) or settings.login_window_seconds) / 60))
            raise DomainError(
                ErrorCode.SECOND_FACTOR_LOCKED, f"动态口令错误次数过多，请{minutes}分钟后再试", "totpCode"
            )

    async def _spend_totp(self, staff_id: uuid.UUID, code: str) -> bool:
        row = await StaffTotp.get_or_none(staff_id=staff_id)
        if row is None:
            return False
        secret = totp.b32decode(self.rt.cipher.decrypt(row.secret_enc, context=TOTP_COLUMN, row=str(row.staff_id)))
        step = totp.verify(secret, code, self.rt.clock.now(), after_step=row.last_step)
        if step is None:
            return False
        # Conditional update: of two concurrent logins with the same code, only one moves the step.
        moved = await StaffTotp.filter(Q(last_step__isnull=True) | Q(last_step__lt=step), staff_id=staff_id).update(
            last_step=step
        )
        if moved == 1:
            await self.rt.store.delete(f"staff:totp:tries:{staff_id}")
        return moved == 1
