"""API tokens for staff scripts (A2): scoped, expiring, stored as a SHA-256 digest, revocable.

A token reads ``uidp_pat_<random>``; the prefix lets the session lookup tell it from a session token (and
secret scanners find leaked ones). A request with it acts as its staff member, limited to its scopes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from uidp.domain.accounts import StaffRole, SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.staff import StaffAccount
from uidp.models.staff_token import StaffApiToken
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo, Principal

TOKEN_PREFIX = "uidp_pat_"
# The scopes a token can carry; graph.permissions maps every staff root field to one of them.
SCOPES = (
    "review",
    "persons",
    "catalogue",
    "audit",
    "sessions",
    "staff",
    "sandbox",
    "authorisation",
    "connected_systems",
)
MAX_DAYS = 366
ADMINISTRATOR = StaffRole.ADMINISTRATOR  # may list and revoke everyone's tokens (revoking only takes power away)
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once
    record: StaffApiToken


def is_api_token(token: str | None) -> bool:
    return bool(token) and token.startswith(TOKEN_PREFIX)  # type: ignore[union-attr]


class ApiTokens:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)

    async def create(
        self,
        *,
        staff_username: str,
        name: str,
        scopes: list[str],
        expires_in_days: int,
        actor: Principal | None = None,
        client: ClientInfo | None = None,
        username_field: str | None = "staffUsername",
    ) -> IssuedToken:
        """A token for ``staff_username``; only its digest is stored and the token is returned once.

        ``username_field`` names the input the username came from (None when it is the caller's own).
        """
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise DomainError(ErrorCode.INVALID_FORMAT, "请填写 1-64 个字符的令牌名称", "name")
        wanted = sorted({(scope or "").strip().lower() for scope in scopes})
        if not wanted:
            raise DomainError(ErrorCode.REQUIRED, "请至少选择一个权限范围", "scopes")
        unknown = [scope for scope in wanted if scope not in SCOPES]
        if unknown:
            raise DomainError(ErrorCode.INVALID_FORMAT, "未知的权限范围：" + "、".join(unknown), "scopes")
        if actor is not None and actor.via_token:
            # a leaked token must not be able to outlive its own revocation by minting successors
            raise DomainError(ErrorCode.API_TOKEN_NOT_A_SESSION, "API 令牌不能创建令牌，请登录后创建", None)
        if not 1 <= expires_in_days <= MAX_DAYS:
            raise DomainError(ErrorCode.INVALID_FORMAT, f"有效期须为 1-{MAX_DAYS} 天", "expiresInDays")
        staff = await StaffAccount.get_or_none(username=(staff_username or "").strip().lower(), active=True)
        if staff is None:
            raise DomainError(ErrorCode.NOT_FOUND, "没有该管理员账号", username_field)
        if actor is not None and actor.is_staff and staff.id != actor.id:
            # a token speaks for its owner: nobody mints one for someone else
            raise DomainError(ErrorCode.FORBIDDEN, "只能为自己创建 API 令牌", username_field)
        token = TOKEN_PREFIX + new_token()
        now = self.rt.clock.now()
        async with in_transaction():
            record = await StaffApiToken.create(
                id=uuid.uuid4(),
                staff_id=staff.id,
                name=name,
                scopes=wanted,
                token_hash=token_digest(token),
                created_at=now,
                expires_at=now + timedelta(days=expires_in_days),
                created_by=actor.id if actor else None,
            )
        await self.audit.record(
            "api_token.created",
            actor=actor,
            subject=(SubjectKind.STAFF, staff.id),
            client=client,
            token_id=str(record.id),
            name=name,
            scopes=wanted,
            expires_at=record.expires_at.isoformat(),
        )
        return IssuedToken(token, record)

    async def revoke(
        self, token_id: uuid.UUID, *, actor: Principal | None, client: ClientInfo | None = None
    ) -> StaffApiToken:
        """Revoke a token at once (NOT_FOUND for unknown or already revoked ids)."""
        now = self.rt.clock.now()
        query = StaffApiToken.filter(id=token_id, revoked_at__isnull=True)
        if actor is not None and actor.is_staff and ADMINISTRATOR not in actor.roles:
            query = query.filter(staff_id=actor.id)  # someone else's token answers like a missing one
        changed = await query.update(revoked_at=now)
        record = await StaffApiToken.get_or_none(id=token_id)
        if not changed or record is None:
            raise DomainError(ErrorCode.NOT_FOUND, "没有该令牌，或已被撤销", "tokenId")
        await self.audit.record(
            "api_token.revoked",
            actor=actor,
            subject=(SubjectKind.STAFF, record.staff_id),
            client=client,
            token_id=str(token_id),
        )
        return record

    async def listing(
        self, staff_username: str | None = None, *, actor: Principal | None = None
    ) -> list[tuple[StaffApiToken, str]]:
        """Tokens (newest first) with their staff member's username; one member's, or everyone's.

        A staff member who is no administrator sees only their own."""
        staff = await StaffAccount.all()
        names = {member.id: member.username for member in staff}
        query = StaffApiToken.all()
        if actor is not None and actor.is_staff and ADMINISTRATOR not in actor.roles:
            query = query.filter(staff_id=actor.id)
        if staff_username:
            wanted = [i for i, name in names.items() if name == staff_username.strip().lower()]
            query = query.filter(staff_id__in=wanted)
        return [(row, names.get(row.staff_id, "")) for row in await query.order_by("-created_at").limit(500)]

    async def principal(self, token: str) -> Principal | None:
        """The staff principal a token speaks for; None when unknown or revoked, TOKEN_EXPIRED when past its end."""
        if len(token) > 128:
            return None
        record = await StaffApiToken.get_or_none(token_hash=token_digest(token))
        if record is None or record.revoked_at is not None:
            return None
        now = self.rt.clock.now()
        if now >= record.expires_at:
            raise DomainError(ErrorCode.TOKEN_EXPIRED, "API 令牌已过期，请重新申请")
        staff = await StaffAccount.get_or_none(id=record.staff_id, active=True)
        if staff is None:
            return None
        if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
            await StaffApiToken.filter(id=record.id).update(last_used_at=now)
        return Principal(SubjectKind.STAFF, staff.id, record.id, tuple(staff.roles), tuple(record.scopes))
