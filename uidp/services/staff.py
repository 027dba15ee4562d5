"""Staff accounts: create with roles and a TOTP second factor, and check that factor at login (A2)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.password_policy import check_password
from uidp.models.staff import StaffAccount, StaffTotp
from uidp.runtime import Runtime
from uidp.security import totp
from uidp.services.audit import Audit
from uidp.services.credentials import Passwords
from uidp.services.principal import ClientInfo, Principal
from uidp.services.registration import POLICY

TOTP_ISSUER = "uidp"
TOTP_COLUMN = "staff_totp.secret"


class StaffRole(StrEnum):
    REVIEWER = "reviewer"
    OPERATOR = "operator"
    ADMINISTRATOR = "administrator"


class StaffService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def create(
        self,
        username: str,
        display_name: str,
        password: str,
        roles: list[StaffRole],
        *,
        actor: Principal | None = None,
        client: ClientInfo | None = None,
    ) -> StaffAccount:
        """Create a staff account with a fresh TOTP secret (``provisioning_uri`` shows it once); audited."""
        username = (username or "").strip().lower()
        if (
            not username
            or len(username) > 64
            or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            raise DomainError(ErrorCode.INVALID_FORMAT, "用户名只能包含字母、数字、点、横线和下划线", "username")
        password = check_password(password, password, policy=POLICY)
        if not roles:
            raise DomainError(ErrorCode.REQUIRED, "请至少选择一个角色", "roles")
        role_values = sorted({StaffRole(role).value for role in roles})
        password_hash = await self.rt.hasher.hash(password)
        staff_id = uuid.uuid4()
        now = self.rt.clock.now()
        try:
            async with in_transaction():
                staff = await StaffAccount.create(
                    id=staff_id,
                    username=username,
                    display_name=(display_name or username).strip()[:64],
                    roles=role_values,
                    created_at=now,
                )
                await Passwords(self.rt).store_hash("staff", staff_id, password_hash)
                await StaffTotp.create(
                    staff_id=staff_id,
                    secret_enc=self.rt.cipher.encrypt(totp.b32(totp.new_secret()), context=TOTP_COLUMN),
                    created_at=now,
                )
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "该用户名已存在", "username") from None
        await Audit(self.rt).record(
            "staff.created",
            actor=actor,
            subject=("staff", staff_id),
            client=client,
            roles=role_values,
            username=username,
        )
        return staff

    async def reset_totp(self, username: str, *, actor: Principal | None = None) -> str:
        """A new TOTP secret (a lost phone, or an account made before second factors); returns the new URI."""
        staff = await self.by_username(username)
        if staff is None:
            raise DomainError(ErrorCode.NOT_FOUND, "没有该管理员账号", "username")
        sealed = self.rt.cipher.encrypt(totp.b32(totp.new_secret()), context=TOTP_COLUMN)
        async with in_transaction():
            if not await StaffTotp.filter(staff_id=staff.id).update(secret_enc=sealed, last_step=None):
                await StaffTotp.create(staff_id=staff.id, secret_enc=sealed, created_at=self.rt.clock.now())
        await Audit(self.rt).record("staff.totp_reset", actor=actor, subject=("staff", staff.id))
        return await self.provisioning_uri(staff)

    async def get(self, staff_id: uuid.UUID) -> StaffAccount | None:
        return await StaffAccount.get_or_none(id=staff_id)

    async def by_username(self, username: str) -> StaffAccount | None:
        return await StaffAccount.get_or_none(username=(username or "").strip().lower(), active=True)

    async def totp_secret(self, staff_id: uuid.UUID) -> bytes | None:
        """The raw shared secret (for the one-time enrolment display and for tests)."""
        row = await StaffTotp.get_or_none(staff_id=staff_id)
        if row is None:
            return None
        encoded = self.rt.cipher.decrypt(row.secret_enc, context=TOTP_COLUMN)
        return totp.b32decode(encoded)

    async def provisioning_uri(self, staff: StaffAccount) -> str:
        """The otpauth:// URI to enrol an authenticator app; shown once, when the account is made."""
        secret = await self.totp_secret(staff.id)
        if secret is None:
            raise DomainError(ErrorCode.NOT_FOUND, "该账号没有动态口令", "username")
        return totp.otpauth_uri(secret, staff.username, TOTP_ISSUER)

    async def check_totp(self, staff_id: uuid.UUID, code: str) -> bool:
        """True once per step for a right code (current step +- 1); records the step so it cannot be replayed.

        Each call is counted before the code is looked at, so a burst of concurrent guesses gets at most
        ``staff_totp_max_tries`` codes checked in the login window; past that SECOND_FACTOR_LOCKED, even for
        the right code. A right code clears the count.
        """
        settings = self.rt.settings
        key = f"staff:totp:tries:{staff_id}"
        tries = await self.rt.store.incr(key, settings.login_window_seconds)
        if tries > settings.staff_totp_max_tries:
            minutes = max(1, round((await self.rt.store.ttl(key) or settings.login_window_seconds) / 60))
            raise DomainError(
                ErrorCode.SECOND_FACTOR_LOCKED, f"动态口令错误次数过多，请{minutes}分钟后再试", "totpCode"
            )
        row = await StaffTotp.get_or_none(staff_id=staff_id)
        if row is None:
            return False
        secret = totp.b32decode(self.rt.cipher.decrypt(row.secret_enc, context=TOTP_COLUMN))
        step = totp.verify(secret, code, self.rt.clock.now(), after_step=row.last_step)
        if step is None:
            return False
        # Conditional update: of two concurrent logins with the same code, only one moves the step.
        moved = await StaffTotp.filter(Q(last_step__isnull=True) | Q(last_step__lt=step), staff_id=staff_id).update(
            last_step=step
        )
        if moved == 1:
            await self.rt.store.delete(key)
        return moved == 1
