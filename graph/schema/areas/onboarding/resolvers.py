"""Resolvers of onboarding: captchas, SMS codes (X1, X2), the catalogue and the dev profile's sandbox."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

from strawberry.types import Info

from graph.permissions import require_staff
from graph.resolvers.common import ctx, guarded
from graph.schema.areas.onboarding.inputs import SendActivationCodeInput, SendSmsCodeInput
from graph.schema.areas.onboarding.types import (
    Captcha,
    CertificateTypeInfo,
    LoginMethodInfo,
    RegistrationRules,
    SandboxSms,
)
from graph.schema.errors import FieldError, RateLimited, result_union
from graph.schema.types import SmsCodeSent
from uidp.domain.certificates import CertificateType
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.ports import StartableLoginMethod, trust_of
from uidp.services.persons.registration import POLICY
from uidp.services.shared import sms_request
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.sandbox import sandbox_messages
from uidp.services.shared.sms import SentCode, SmsPurpose
from uidp.services.shared.sms_request import send_to_typed_phone
from uidp.services.shared.uploads import ALLOWED_TYPES

SendSmsCodeResult = Annotated[
    SmsCodeSent | RateLimited | FieldError,
    result_union("SendSmsCodeResult"),
]
SendActivationCodeResult = Annotated[
    SmsCodeSent | RateLimited | FieldError,
    result_union("SendActivationCodeResult"),
]


async def request_captcha(info: Info) -> Captcha:
    issued = await CaptchaService(ctx(info).rt).issue()
    image = "data:image/png;base64," + base64.b64encode(issued.png).decode()
    return Captcha(id=issued.id, image_png=image, expires_at=issued.expires_at)


async def send_sms_code(info: Info, input: SendSmsCodeInput) -> SendSmsCodeResult:
    c = ctx(info)

    async def call() -> SmsCodeSent:
        purpose = SmsPurpose(input.purpose.value)
        sent = await send_to_typed_phone(c.rt, purpose, input.phone, input.captcha_id, input.captcha_answer, c.client)
        return _sent(*sent)

    return await guarded(info, call)


async def send_activation_code(info: Info, input: SendActivationCodeInput) -> SendActivationCodeResult:
    c = ctx(info)

    async def call() -> SmsCodeSent:
        sent = await sms_request.send_activation_code(
            c.rt, input.certificate_type, input.certificate_number, input.captcha_id, input.captcha_answer, c.client
        )
        return _sent(*sent)

    return await guarded(info, call)


def _sent(masked_phone: str, sent: SentCode) -> SmsCodeSent:
    return SmsCodeSent(masked_phone=masked_phone, expires_at=sent.expires_at, resend_after=sent.resend_after)


def login_methods(info: Info) -> list[LoginMethodInfo]:
    methods = ctx(info).rt.plugins.login_methods()
    return [
        LoginMethodInfo(
            id=m.id,
            label=m.label,
            sandbox=m.sandbox,
            starts=isinstance(m, StartableLoginMethod),
            trust=sorted(trust_of(m)),
        )
        for m in methods
    ]


def registration_rules(info: Info) -> RegistrationRules:
    settings = ctx(info).rt.settings
    opens, closes = settings.window
    return RegistrationRules(
        password_rule=POLICY.describe(),
        window_opens=opens.strftime("%H:%M"),
        window_closes=closes.strftime("%H:%M"),
        home_province=settings.home_province,
        upload_max_bytes=settings.upload_max_bytes,
        upload_types=sorted(ALLOWED_TYPES),
        certificate_types=[
            CertificateTypeInfo(type=t, label=t.label, route=t.registration_route.value) for t in CertificateType
        ],
    )


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
