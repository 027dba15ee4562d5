"""Image captcha (X1): PNG, single use, expires, case-insensitive."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from captcha.image import ImageCaptcha

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXY3456789"  # no 0/O, 1/I/L, 2/Z look-alikes
LENGTH = 4
_image = ImageCaptcha(width=120, height=44, font_sizes=(30, 34, 36))


@dataclass(frozen=True)
class IssuedCaptcha:
    id: str
    png: bytes
    expires_at: datetime


class CaptchaService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _digest(self, answer: str) -> str:
        return self.rt.one_time_digest("captcha", answer.strip().upper())

    async def issue(self) -> IssuedCaptcha:
        """A new captcha; only a digest of the answer is kept, for captcha_ttl_seconds."""
        answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        captcha_id = uuid.uuid4().hex
        ttl = self.rt.settings.captcha_ttl_seconds
        png = await anyio.to_thread.run_sync(lambda: _image.generate(answer, format="png").getvalue())
        await self.rt.store.set(f"captcha:{captcha_id}", self._digest(answer), ttl)
        if self.rt.dev_peek is not None:
            await self.rt.dev_peek.append({"captchaId": captcha_id, "answer": answer})
        return IssuedCaptcha(captcha_id, png, self.rt.clock.now() + timedelta(seconds=ttl))

    async def verify(self, captcha_id: str | None, answer: str | None, *, field: str = "captchaAnswer") -> None:
        """Consume the captcha (whatever the answer) and raise CAPTCHA_INVALID unless it matched."""
        if not captcha_id or not answer:
            raise DomainError(ErrorCode.CAPTCHA_REQUIRED, "请输入图形验证码", field)
        stored = await self.rt.store.take(f"captcha:{captcha_id[:64]}")
        if not self.rt.one_time_matches(stored, "captcha", answer.strip().upper()):
            raise DomainError(ErrorCode.CAPTCHA_INVALID, "图形验证码错误或已失效，请刷新后重试", field)

    def peek(self, captcha_id: str) -> str | None:
        """The answer, on the dev profile only (staff query and CLI)."""
        if self.rt.dev_peek is None:
            return None
        found = self.rt.dev_peek.read(limit=1, captchaId=captcha_id)
        return found[0]["answer"] if found else None
