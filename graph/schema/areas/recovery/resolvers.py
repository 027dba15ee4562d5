"""startPasswordRecovery, sendRecoveryCode, completePasswordRecovery (P8)."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.schema.areas.recovery.inputs import (
    CompletePasswordRecoveryInput,
    SendRecoveryCodeInput,
    StartPasswordRecoveryInput,
)
from graph.schema.areas.recovery.types import PasswordRecovered, RecoveryStarted
from graph.schema.errors import FieldError, RateLimited, result_union
from graph.schema.types import SmsCodeSent
from uidp.services.persons.recovery import LOST_PHONE_HINT, RecoveryService

StartPasswordRecoveryResult = Annotated[
    RecoveryStarted | RateLimited | FieldError,
    result_union("StartPasswordRecoveryResult"),
]
SendRecoveryCodeResult = Annotated[
    SmsCodeSent | RateLimited | FieldError,
    result_union("SendRecoveryCodeResult"),
]
CompletePasswordRecoveryResult = Annotated[
    PasswordRecovered | FieldError,
    result_union("CompletePasswordRecoveryResult"),
]


async def start_password_recovery(info: Info, input: StartPasswordRecoveryInput) -> StartPasswordRecoveryResult:
    c = ctx(info)

    async def call() -> RecoveryStarted:
        started = await RecoveryService(c.rt).start(
            input.name,
            input.certificate_type,
            input.certificate_number,
            input.captcha_id,
            input.captcha_answer,
            c.client,
        )
        return RecoveryStarted(
            ticket=started.ticket,
            masked_phone=started.masked_phone,
            expires_at=started.expires_at,
            lost_phone_hint=LOST_PHONE_HINT,
        )

    return await guarded(info, call)


async def send_recovery_code(info: Info, input: SendRecoveryCodeInput) -> SendRecoveryCodeResult:
    c = ctx(info)

    async def call() -> SmsCodeSent:
        masked, sent = await RecoveryService(c.rt).send_code(input.ticket, c.client)
        return SmsCodeSent(masked_phone=masked, expires_at=sent.expires_at, resend_after=sent.resend_after)

    return await guarded(info, call)


async def complete_password_recovery(
    info: Info, input: CompletePasswordRecoveryInput
) -> CompletePasswordRecoveryResult:
    c = ctx(info)

    async def call() -> PasswordRecovered:
        await RecoveryService(c.rt).complete(
            input.ticket, input.sms_code, input.new_password, input.new_password_confirmation, c.client
        )
        return PasswordRecovered()

    return await guarded(info, call)
