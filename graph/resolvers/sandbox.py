"""Staff-only views of the dev sandbox: the SMS outbox and captcha answers (dev profile only)."""

from __future__ import annotations

from datetime import datetime

from strawberry.types import Info

from graph.permissions import require_staff
from graph.resolvers.common import ctx
from graph.schema.types import SandboxSms
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.sandbox import sandbox_messages


async def _require_dev_staff(info: Info) -> None:
    principal = await require_staff(info)
    if not ctx(info).rt.settings.dev_peek_enabled:
        raise DomainError(ErrorCode.FORBIDDEN, "仅开发环境可查看沙箱数据")
    await Audit(ctx(info).rt).record("sandbox.viewed", actor=principal, client=ctx(info).client)


async def sandbox_outbox(info: Info, phone: str | None = None, first: int = 20) -> list[SandboxSms]:
    await _require_dev_staff(info)
    wanted = normalize_phone(phone) if phone else None
    messages = sandbox_messages(ctx(info).rt, phone=wanted, limit=min(max(first, 1), 100))
    return [
        SandboxSms(at=datetime.fromisoformat(m["at"]), phone=m["phone"], purpose=m["purpose"], text=m["text"])
        for m in messages
    ]


async def sandbox_captcha_answer(info: Info, captcha_id: str) -> str | None:
    await _require_dev_staff(info)
    return CaptchaService(ctx(info).rt).peek(captcha_id)
