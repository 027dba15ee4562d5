"""Inputs of the SMS code requests (X2, P2)."""

from __future__ import annotations

import strawberry

from graph.schema.enums import PhoneCodePurpose
from graph.schema.types import (
    CertificateType,
)


@strawberry.input(description="Send an SMS code to a phone the caller types, after the image captcha (X2).")
class SendSmsCodeInput:
    purpose: PhoneCodePurpose = strawberry.field(
        description="What the SMS code will be used for; a code only works for its own purpose."
    )
    phone: str = strawberry.field(description="Where to send the code.")
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")


@strawberry.input(
    description="Send the ACTIVATE code to the phone on record of a pre-provisioned account, found by its "
    "certificate, after the image captcha (P2)."
)
class SendActivationCodeInput:
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(description="The certificate (证件) number as typed.")
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")
