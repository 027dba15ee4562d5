"""requestCaptcha (X1), sendSmsCode (X2) and sendActivationCode (P2)."""

from __future__ import annotations

import base64
from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.schema.errors import FieldError, RateLimited, result_union
from graph.schema.inputs import SendActivationCodeInput, SendSmsCodeInput
from graph.schema.types import Captcha, SmsCodeSent
from uidp.services.shared import sms_request
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.sms import SentCode, SmsPurpose
from uidp.services.shared.sms_request import send_to_typed_phone

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
