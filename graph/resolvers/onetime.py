"""requestCaptcha (X1) and sendSmsCode (X2)."""

from __future__ import annotations

import base64
from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.schema.errors import FieldError, RateLimited, result_union
from graph.schema.inputs import SendSmsCodeInput
from graph.schema.types import Captcha, SmsCodeSent
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.sms_request import CodeRequest, request_code

SendSmsCodeResult = Annotated[
    SmsCodeSent | RateLimited | FieldError,
    result_union("SendSmsCodeResult"),
]


async def request_captcha(info: Info) -> Captcha:
    issued = await CaptchaService(ctx(info).rt).issue()
    image = "data:image/png;base64," + base64.b64encode(issued.png).decode()
    return Captcha(id=issued.id, image_png=image, expires_at=issued.expires_at)


async def send_sms_code(info: Info, input: SendSmsCodeInput) -> SendSmsCodeResult:
    c = ctx(info)
    request = CodeRequest(
        purpose=input.purpose,
        captcha_id=input.captcha_id,
        captcha_answer=input.captcha_answer,
        phone=input.phone,
        certificate_type=input.certificate_type,
        certificate_number=input.certificate_number,
    )

    async def call() -> SmsCodeSent:
        masked, sent = await request_code(c.rt, request, c.client)
        return SmsCodeSent(masked_phone=masked, expires_at=sent.expires_at, resend_after=sent.resend_after)

    return await guarded(info, call)
