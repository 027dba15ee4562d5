"""Inputs of the three recovery steps (P8)."""

from __future__ import annotations

import strawberry

from graph.schema.types import (
    CertificateType,
)


@strawberry.input(description="P8 step 1: name, certificate and captcha.")
class StartPasswordRecoveryInput:
    name: str = strawberry.field(description="The account holder's name as registered.")
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(
        description="The certificate (证件) number as typed; spaces and full-width characters are folded."
    )
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")


@strawberry.input(description="P8 step 2: send the code to the phone on record.")
class SendRecoveryCodeInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")


@strawberry.input(description="P8 step 3: the code and the new password twice.")
class CompletePasswordRecoveryInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    sms_code: str = strawberry.field(description="The 6-digit SMS code of this form's purpose.")
    new_password: str = strawberry.field(
        description="The new login password (the password rules of registrationRules apply)."
    )
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")
