"""Staff enrolment (A2): a new member sets their own password and TOTP; a reset TOTP is re-enrolled the same way.

Whoever creates the account or resets its second factor (an administrator, or the operator at the command line)
gets only a single-use **setup code** to hand over out of band; the member's password and TOTP secret are
chosen and seen by the member alone. Two steps a front end drives through GraphQL:

1. ``start(username, setup_code)`` spends the code and answers a short-lived enrolment token and a fresh
   TOTP secret (the otpauth URI to scan);
2. ``complete(token, ...)`` proves the authenticator with a code of that secret, sets the password (a new
   account) or proves the current password (a TOTP reset), and logs the member in.

Every try (a setup code, or a completion's proofs) is counted before it is checked; past the limit the open
enrolment is dropped and only a new setup code helps.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.password_policy import check_password
from uidp.models.staff import StaffAccount, StaffEnrolment, StaffTotp
from uidp.runtime import Runtime
from uidp.security import totp
from uidp.security.tokens import new_token, token_digest
from uidp.services.auth.sessions import IssuedSession, Sessions
from uidp.services.persons.registration import POLICY
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.principal import ClientInfo, Principal

CREATE, TOTP_RESET = "create", "totp_reset"
TOTP_ISSUER = "uidp"
TOTP_COLUMN = "staff_totp.secret"
PENDING_COLUMN = "staff_enrolment.secret"
TOKEN_MINUTES = 15  # from scanning the QR code to typing the first code and a password
SETUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from paper
SETUP_GROUPS, SETUP_GROUP_LENGTH = 4, 4  # 16 characters of 31: about 79 bits
BAD_CODE = "设置码错误或已失效，请向管理员重新申请"


@dataclass(frozen=True)
class SetupCode:
    code: str  # shown once, to whoever issued it, to be handed to the member
    purpose: str
    expires_at: datetime


@dataclass(frozen=True)
class StartedEnrolment:
    token: str
    totp_secret: str  # base32, for typing into an app that cannot scan
    otpauth_uri: str
    expires_at: datetime
    needs_current_password: bool


def new_setup_code() -> str:
    chars = "".join(secrets.choice(SETUP_ALPHABET) for _ in range(SETUP_GROUPS * SETUP_GROUP_LENGTH))
    return "-".join(chars[i : i + SETUP_GROUP_LENGTH] for i in range(0, len(chars), SETUP_GROUP_LENGTH))


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


class StaffEnrolments:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)

    def _code_hash(self, staff_id: uuid.UUID, code: str) -> str:
        return self.rt.one_time_digest(f"staff-setup:{staff_id}", _normalise(code))

    def _code_hashes(self, staff_id: uuid.UUID, code: str) -> list[str]:
        """What a stored setup code may be, while UIDP_DIGEST_ALGORITHM moves (its previous one too)."""
        return self.rt.one_time_digests(f"staff-setup:{staff_id}", _normalise(code))

    async def issue(
        self, staff: StaffAccount, purpose: str, *, actor: Principal | None, client: ClientInfo | None
    ) -> SetupCode:
        """A new single-use setup code for ``staff``; it replaces any open enrolment (call in a transaction)."""
        code = new_setup_code()
        now = self.rt.clock.now()
        expires_at = now + timedelta(hours=self.rt.settings.staff_setup_code_hours)
        await StaffEnrolment.filter(staff_id=staff.id).delete()
        await StaffEnrolment.create(
            staff_id=staff.id,
            purpose=purpose,
            code_hash=self._code_hash(staff.id, code),
            code_expires_at=expires_at,
            created_at=now,
        )
        await self.rt.store.delete(self._tries_key(staff.id))
        await self.audit.record(
            "staff.setup_code_issued",
            actor=actor,
            subject=(SubjectKind.STAFF, staff.id),
            client=client,
            purpose=purpose,
            expires_at=expires_at.isoformat(),
        )
        return SetupCode(code, purpose, expires_at)

    def _tries_key(self, staff_id: uuid.UUID | str) -> str:
        return f"staff:enrol:tries:{staff_id}"

    async def _count_try(self, staff_id: uuid.UUID | None, username: str, client: ClientInfo) -> None:
        """Count one try before anything is checked; past the limit the open enrolment dies."""
        settings = self.rt.settings
        subject = staff_id or self.rt.blind.digest("staff-enrol", username)
        tries = await self.rt.store.incr(self._tries_key(subject), settings.staff_setup_code_hours * 3600)
        if tries <= settings.staff_enrolment_max_tries:
            return
        if staff_id is not None:
            dropped = await StaffEnrolment.filter(staff_id=staff_id).delete()
            if dropped:
                await self.audit.record(
                    "staff.enrolment_locked", outcome="failure", subject=(SubjectKind.STAFF, staff_id), client=client
                )
        raise DomainError(ErrorCode.ENROLMENT_LOCKED, "尝试次数过多，设置码已作废，请向管理员重新申请")

    async def start(self, username: str, setup_code: str, client: ClientInfo) -> StartedEnrolment:
        """Step 1: spend the setup code; answers the enrolment token and a new TOTP secret (shown to the member)."""
        username = (username or "").strip().lower()[:64]
        if not username:
            raise DomainError(ErrorCode.REQUIRED, "请输入用户名", "username")
        if not _normalise(setup_code):
            raise DomainError(ErrorCode.REQUIRED, "请输入设置码", "setupCode")
        staff = await StaffAccount.get_or_none(username=username, active=True)
        await self._count_try(staff.id if staff else None, username, client)
        now = self.rt.clock.now()
        secret = totp.new_secret()
        token = new_token()
        expires_at = now + timedelta(minutes=TOKEN_MINUTES)
        spent = 0
        purpose = CREATE
        if staff is not None:
            row = await StaffEnrolment.get_or_none(staff_id=staff.id)
            purpose = row.purpose if row else CREATE
            # Conditional update: the code is spent once, even by concurrent starts.
            spent = await StaffEnrolment.filter(
                staff_id=staff.id,
                code_hash__in=self._code_hashes(staff.id, setup_code),
                code_expires_at__gt=now,
                token_hash__isnull=True,
            ).update(
                token_hash=token_digest(token),
                token_expires_at=expires_at,
                secret_enc=self.rt.cipher.encrypt(totp.b32(secret), context=PENDING_COLUMN, row=str(staff.id)),
            )
        if spent != 1:
            await self.audit.record(
                "staff.enrolment_refused",
                outcome="failure",
                subject=(SubjectKind.STAFF, staff.id) if staff else None,
                client=client,
                step="setup_code",
            )
            raise DomainError(ErrorCode.SETUP_CODE_INVALID, BAD_CODE, "setupCode")
        assert staff is not None
        await self.audit.record(
            "staff.enrolment_started", subject=(SubjectKind.STAFF, staff.id), client=client, purpose=purpose
        )
        return StartedEnrolment(
            token=token,
            totp_secret=totp.b32(secret),
            otpauth_uri=totp.otpauth_uri(secret, staff.username, TOTP_ISSUER),
            expires_at=expires_at,
            needs_current_password=purpose == TOTP_RESET,
        )

    async def complete(
        self,
        token: str,
        *,
        totp_code: str,
        password: str | None,
        password_confirmation: str | None,
        current_password: str | None,
        client: ClientInfo,
    ) -> tuple[StaffAccount, IssuedSession]:
        """Step 2: the first TOTP code, and the new password (new account) or the current one (TOTP reset).

        On success the TOTP secret and password are the member's, the enrolment is gone, and a session starts.
        """
        row = await StaffEnrolment.get_or_none(token_hash=token_digest((token or "")[:128]))
        now = self.rt.clock.now()
        if row is None or row.token_expires_at is None or row.token_expires_at <= now or row.secret_enc is None:
            raise DomainError(ErrorCode.STEP_INVALID, "设置已失效，请重新输入设置码", "enrolmentToken")
        staff = await StaffAccount.get_or_none(id=row.staff_id, active=True)
        if staff is None:
            raise DomainError(ErrorCode.STEP_INVALID, "设置已失效，请重新输入设置码", "enrolmentToken")
        chosen: str | None = None
        if row.purpose == CREATE:
            chosen = check_password(password or "", password_confirmation or "", policy=POLICY)
        elif not current_password:
            raise DomainError(ErrorCode.REQUIRED, "请输入当前登录密码", "currentPassword")
        await self._count_try(staff.id, staff.username, client)
        secret = totp.b32decode(self.rt.cipher.decrypt(row.secret_enc, context=PENDING_COLUMN, row=str(row.staff_id)))
        step = totp.verify(secret, totp_code, now)
        if step is None:
            await self._refused(staff, client, "totp_code")
            raise DomainError(ErrorCode.SECOND_FACTOR_INVALID, "动态口令错误，请核对手机上的验证器", "totpCode")
        if row.purpose == TOTP_RESET:
            stored = await Passwords(self.rt).hash_of(SubjectKind.STAFF, staff.id)
            if not await self.rt.hasher.verify(current_password or "", stored):
                await self._refused(staff, client, "current_password")
                raise DomainError(ErrorCode.WRONG_PASSWORD, "当前登录密码错误", "currentPassword")
        new_hash = await self.rt.hasher.hash(chosen) if chosen is not None else None
        sealed = self.rt.cipher.encrypt(totp.b32(secret), context=TOTP_COLUMN, row=str(staff.id))
        async with in_transaction():
            if await StaffEnrolment.filter(staff_id=staff.id, token_hash=row.token_hash).delete() != 1:
                raise DomainError(ErrorCode.STEP_INVALID, "设置已失效，请重新输入设置码", "enrolmentToken")
            if new_hash is not None:
                await Passwords(self.rt).store_hash(SubjectKind.STAFF, staff.id, new_hash)
            if not await StaffTotp.filter(staff_id=staff.id).update(secret_enc=sealed, last_step=step):
                await StaffTotp.create(staff_id=staff.id, secret_enc=sealed, last_step=step, created_at=now)
        await self.rt.store.delete(self._tries_key(staff.id))
        issued = await Sessions(self.rt).issue(SubjectKind.STAFF, staff.id, "enrolment", client)
        await self.audit.record(
            "staff.enrolled",
            subject=(SubjectKind.STAFF, staff.id),
            client=client,
            purpose=row.purpose,
            session_id=str(issued.session.id),
        )
        return staff, issued

    async def _refused(self, staff: StaffAccount, client: ClientInfo, step: str) -> None:
        await self.audit.record(
            "staff.enrolment_refused",
            outcome="failure",
            subject=(SubjectKind.STAFF, staff.id),
            client=client,
            step=step,
        )
