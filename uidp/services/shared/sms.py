"""SMS verification codes (X2): 6 digits, bound to phone + purpose, expiring, single use, rate limited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.security.tokens import numeric_code
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import client_key

log = logging.getLogger("uidp.sms")
SHANGHAI = ZoneInfo("Asia/Shanghai")


class SmsPurpose(StrEnum):
    REGISTER = "REGISTER"
    ACTIVATE = "ACTIVATE"
    ACTIVATE_NEW_PHONE = "ACTIVATE_NEW_PHONE"
    RECOVER_PASSWORD = "RECOVER_PASSWORD"
    CHANGE_PHONE_OLD = "CHANGE_PHONE_OLD"
    CHANGE_PHONE_NEW = "CHANGE_PHONE_NEW"
    CANCEL_ACCOUNT = "CANCEL_ACCOUNT"
    APPEAL = "APPEAL"
    ENTITY_REGISTER = "ENTITY_REGISTER"
    BIND_CERTIFICATE = "BIND_CERTIFICATE"
    ENTITY_CONTACT_PHONE = "ENTITY_CONTACT_PHONE"
    ENTITY_APPEAL = "ENTITY_APPEAL"
    BIND_LOGIN = "BIND_LOGIN"

    @property
    def label(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    SmsPurpose.REGISTER: "注册账号",
    SmsPurpose.ACTIVATE: "激活账号",
    SmsPurpose.ACTIVATE_NEW_PHONE: "激活账号（新手机验证）",
    SmsPurpose.RECOVER_PASSWORD: "找回密码",
    SmsPurpose.CHANGE_PHONE_OLD: "更换手机号（原手机验证）",
    SmsPurpose.CHANGE_PHONE_NEW: "更换手机号（新手机验证）",
    SmsPurpose.CANCEL_ACCOUNT: "注销账号",
    SmsPurpose.APPEAL: "提交账号申诉",
    SmsPurpose.ENTITY_REGISTER: "注册法人账号",
    SmsPurpose.BIND_CERTIFICATE: "绑定数字证书",
    SmsPurpose.ENTITY_CONTACT_PHONE: "修改法人账号联系人手机号",
    SmsPurpose.ENTITY_APPEAL: "提交法人账号申诉",
    SmsPurpose.BIND_LOGIN: "绑定第三方登录账号",
}


@dataclass(frozen=True)
class SentCode:
    expires_at: datetime
    resend_after: datetime


class SmsCodes:
    """Issues and checks codes. Keys use the phone's blind index, so the store never holds a number."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.settings = rt.settings

    def _key(self, kind: str, purpose: SmsPurpose, phone: str) -> str:
        return f"sms:{kind}:{purpose.value}:{self.rt.blind.digest('phone', phone)}"

    def _digest(self, purpose: SmsPurpose, phone: str, code: str) -> str:
        return self.rt.one_time_digest(f"sms:{purpose.value}:{phone}", code)

    def _matches(self, stored: str | None, purpose: SmsPurpose, phone: str, code: str) -> bool:
        return self.rt.one_time_matches(stored, f"sms:{purpose.value}:{phone}", code)

    async def send(
        self, purpose: SmsPurpose, phone: str, client: ClientInfo, *, deliver: bool = True, field: str | None = "phone"
    ) -> SentCode:
        """Send a new code unless the resend interval or a daily cap forbids it.

        ``field`` names the input the phone came from (None when the form has no phone: the one on record).

        ``deliver=False`` is a decoy (uidp.services.shared.decoys): every limit counts as for a real send, but no
        code is kept and nothing is sent, so an unknown person's answers match a known one's.
        """
        s, store, now = self.settings, self.rt.store, self.rt.clock.now()
        resend_key = self._key("resend", purpose, phone)
        if not await store.set_if_absent(resend_key, "1", s.sms_resend_seconds):
            left = await store.ttl(resend_key) or s.sms_resend_seconds
            raise DomainError(
                ErrorCode.SMS_TOO_FREQUENT,
                f"验证码发送过于频繁，请{int(left) + 1}秒后再试",
                field,
                retry_after=int(left) + 1,
            )
        day = now.astimezone(SHANGHAI).date().isoformat()
        seconds_to_midnight = _seconds_to_next_day(now)
        phone_count = await store.incr(
            f"sms:day:{day}:phone:{self.rt.blind.digest('phone', phone)}", seconds_to_midnight
        )
        client_count = await store.incr(f"sms:day:{day}:client:{client_key(self.rt, client)}", seconds_to_midnight)
        if phone_count > s.sms_daily_per_phone or client_count > s.sms_daily_per_client:
            await store.delete(resend_key)  # nothing was sent, so no resend interval starts
            raise DomainError(
                ErrorCode.SMS_DAILY_LIMIT,
                "今日获取验证码次数已达上限，请明日再试",
                field,
                retry_after=seconds_to_midnight,
            )
        if not deliver:
            return SentCode(
                expires_at=now + timedelta(seconds=s.sms_code_ttl_seconds),
                resend_after=now + timedelta(seconds=s.sms_resend_seconds),
            )
        code = numeric_code(6)
        await store.set(self._key("code", purpose, phone), self._digest(purpose, phone, code), s.sms_code_ttl_seconds)
        await store.delete(self._key("tries", purpose, phone))
        minutes = s.sms_code_ttl_seconds // 60
        text = f"【湖北政务服务】您正在{purpose.label}，验证码{code}，{minutes}分钟内有效。如非本人操作，请忽略。"
        await self.rt.plugins.sms_gateway().send(phone, text, purpose=purpose.value)
        log.info("sms code sent purpose=%s", purpose.value)
        return SentCode(
            expires_at=now + timedelta(seconds=s.sms_code_ttl_seconds),
            resend_after=now + timedelta(seconds=s.sms_resend_seconds),
        )

    async def check(self, purpose: SmsPurpose, phone: str, code: str | None, *, field: str = "smsCode") -> None:
        """Raise SMS_CODE_INVALID unless ``code`` is the live code; keeps the code for :meth:`consume`.

        Every check is counted before the comparison (one atomic increment) and decided on the counted
        value, so of a concurrent burst at most ``sms_max_attempts`` codes are compared; the code dies with
        the last allowed wrong try. A right code hands its own count back (the form may be corrected and
        sent again), so only wrong tries use up the allowance.
        """
        invalid = DomainError(ErrorCode.SMS_CODE_INVALID, "短信验证码错误或已失效", field)
        code = (code or "").strip()
        if not code:
            raise DomainError(ErrorCode.REQUIRED, "请输入短信验证码", field)
        code_key, tries_key = self._key("code", purpose, phone), self._key("tries", purpose, phone)
        store, most = self.rt.store, self.settings.sms_max_attempts
        tries = await store.incr(tries_key, self.settings.sms_code_ttl_seconds)
        if tries > most:
            await store.delete(code_key)
            raise invalid
        stored = await store.get(code_key)
        if self._matches(stored, purpose, phone, code):
            await store.decr(tries_key)
            return
        if tries >= most:
            await store.delete(code_key)
        raise invalid

    async def consume(self, purpose: SmsPurpose, phone: str, code: str, *, field: str = "smsCode") -> None:
        """Take the code for good; exactly one concurrent caller succeeds."""
        stored = await self.rt.store.take(self._key("code", purpose, phone))
        if not self._matches(stored, purpose, phone, code.strip()):
            raise DomainError(ErrorCode.SMS_CODE_INVALID, "短信验证码错误或已失效", field)


def _seconds_to_next_day(now: datetime) -> int:
    local = now.astimezone(SHANGHAI)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - local).total_seconds()))
