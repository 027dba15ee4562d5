"""Inputs of the appeals (P9a, P9b) and of binding a new phone after one."""

from __future__ import annotations

import strawberry

from graph.schema.areas.registration.inputs import DocumentsInput
from graph.schema.types import CertificateType


@strawberry.input(
    description="P9a: my phone was registered by someone else. Proof of identity: `cardNumber` (bank-card "
    "four elements with `phone` as the bank-reserved phone) or `documents` (certificate front and back)."
)
class SubmitPhoneAppealInput:
    phone: str = strawberry.field(description="The phone someone else registered; the appeal's SMS code goes there.")
    sms_code: str = strawberry.field(description="Code of purpose APPEAL sent to `phone`.")
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    contact_name: str = strawberry.field(description="The contact person's name (联系人姓名).")
    contact_certificate_number: str = strawberry.field(
        description="The contact person's resident ID number (身份证号码)."
    )
    new_password: str = strawberry.field(
        description="The new login password (the password rules of registrationRules apply)."
    )
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")
    card_number: str | None = strawberry.field(default=None, description="A class-I card in the appellant's name.")
    documents: DocumentsInput | None = strawberry.field(
        default=None, description="Without `cardNumber`: upload ids of certificateFront and certificateBack."
    )


@strawberry.input(description="P9b step 1: my ID number was registered with someone else's phone.")
class StartCertificateAppealInput:
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(
        description="The certificate (证件) number as typed; spaces and full-width characters are folded."
    )
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")


@strawberry.input(description="P9b steps 2-3: bank-card check with the new phone, then the new phone's code.")
class SubmitCertificateAppealInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    card_number: str = strawberry.field(description="A bank card number (13-19 digits) in the appellant's name.")
    new_phone: str = strawberry.field(description="The new mobile phone number.")
    sms_code: str = strawberry.field(description="Code of purpose APPEAL sent to `newPhone`.")
    new_password: str = strawberry.field(description="The password the account will have after approval.")
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")


@strawberry.input(
    description="After a phone appeal took my phone: bind a new one (code CHANGE_PHONE_NEW and my password)."
)
class BindNewPhoneInput:
    new_phone: str = strawberry.field(description="The new mobile phone number.")
    sms_code: str = strawberry.field(description="The SMS code sent to `newPhone`.")
    current_password: str = strawberry.field(description="The account's current login password.")
