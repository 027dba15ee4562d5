"""One input type per mutation."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.file_uploads import Upload

from graph.schema.enums import PhoneCodePurpose
from graph.schema.types import CertificateType, DocumentKind, Gender, SmsPurpose, ValidityPeriod


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


@strawberry.input(description="Before registering: may this certificate register, or must it activate or appeal?")
class CheckCertificateInput:
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(
        description="The certificate (证件) number as typed; spaces and full-width characters are folded."
    )


@strawberry.input(description="Upload one document (multipart request with the X-UIDP-CSRF header).")
class UploadDocumentInput:
    kind: DocumentKind = strawberry.field(description="Which document this file is.")
    file: Upload = strawberry.field(description="The file (multipart upload): JPG, PNG or PDF.")


@strawberry.input(description="Ids from uploadDocument, required for manual registration (P1c).")
class DocumentsInput:
    certificate_front: strawberry.ID | None = strawberry.field(
        default=None, description="Upload id of the certificate's front (ID card: the portrait side)."
    )
    certificate_back: strawberry.ID | None = strawberry.field(
        default=None, description="Upload id of the certificate's back (ID card: the national-emblem side)."
    )
    supporting: strawberry.ID | None = strawberry.field(
        default=None, description="Upload id of a supporting document (manual registration)."
    )


@strawberry.input(
    description="Register a natural person: resident ID (P1a), residence permits (P1b), passports and other "
    "certificates with documents for manual review (P1c)."
)
class RegisterPersonInput:
    name: str = strawberry.field(description="The person's name as on the certificate (姓名).")
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(
        description="The certificate (证件) number as typed; spaces and full-width characters are folded."
    )
    phone: str = strawberry.field(description="A mainland mobile phone number (11 digits; spaces and +86 allowed).")
    sms_code: str = strawberry.field(description="The 6-digit SMS code of this form's purpose.")
    password: str = strawberry.field(description="The login password.")
    password_confirmation: str = strawberry.field(description="The password typed a second time.")
    accept_terms: bool = strawberry.field(
        description="True once the user has read and accepted the registration terms (注册协议)."
    )
    valid_from: date | None = strawberry.field(default=None, description="Resident ID only.")
    validity_period: ValidityPeriod | None = strawberry.field(default=None, description="Resident ID only.")
    gender: Gender | None = strawberry.field(default=None, description="Permits and manual only.")
    birth_date: date | None = strawberry.field(default=None, description="Permits and manual only.")
    documents: DocumentsInput | None = strawberry.field(
        default=None, description="Upload ids from uploadDocument, one per required document."
    )


@strawberry.input(description="P2: activate a pre-provisioned account.")
class ActivatePersonInput:
    certificate_type: CertificateType = strawberry.field(description="Which certificate (证件) the number belongs to.")
    certificate_number: str = strawberry.field(
        description="The certificate (证件) number as typed; spaces and full-width characters are folded."
    )
    valid_from: date = strawberry.field(description="The first day of the certificate's validity period.")
    validity_period: ValidityPeriod = strawberry.field(
        description="How long the certificate is valid from `validFrom`."
    )
    sms_code: str = strawberry.field(description="Code of purpose ACTIVATE, sent to the phone on record.")
    password: str = strawberry.field(description="The login password.")
    password_confirmation: str = strawberry.field(description="The password typed a second time.")
    accept_terms: bool = strawberry.field(
        description="True once the user has read and accepted the registration terms (注册协议)."
    )
    new_phone: str | None = strawberry.field(default=None, description="Only to change the phone on record.")
    new_phone_code: str | None = strawberry.field(
        default=None, description="With `newPhone`: a code of purpose ACTIVATE_NEW_PHONE sent to it."
    )


@strawberry.input(description="P3: phone, ID number or other certificate number, and password.")
class LoginWithPasswordInput:
    identifier: str = strawberry.field(description="A mobile phone number or a certificate number.")
    password: str = strawberry.field(description="The login password.")
    captcha_id: str | None = strawberry.field(default=None, description="Required once `captchaRequired`.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )


@strawberry.input(description="Staff login: username, password and the 6-digit code of the authenticator app.")
class LoginStaffInput:
    username: str = strawberry.field(description="The staff username.")
    password: str = strawberry.field(description="The staff member's password.")
    totp_code: str | None = strawberry.field(default=None, description="Without it: SECOND_FACTOR_REQUIRED.")
    captcha_id: str | None = strawberry.field(default=None, description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )


# --- password recovery (P8), user space (P11), cancellation (P10) ---


@strawberry.input(description="P11: change the password of the logged-in person.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The account's current login password.")
    new_password: str = strawberry.field(
        description="The new login password (the password rules of registrationRules apply)."
    )
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")


@strawberry.input(description="P11/P10: a code to my own phone; purpose CHANGE_PHONE_OLD or CANCEL_ACCOUNT.")
class SendMyPhoneCodeInput:
    purpose: SmsPurpose = strawberry.field(
        description="What the SMS code will be used for; a code only works for its own purpose."
    )


@strawberry.input(
    description="P11: codes from sendMyPhoneCode(CHANGE_PHONE_OLD) and sendSmsCode(CHANGE_PHONE_NEW, newPhone)."
)
class ChangePhoneInput:
    old_phone_code: str | None = strawberry.field(
        default=None, description="CHANGE_PHONE_OLD code; required while the account has a phone."
    )
    current_password: str | None = strawberry.field(
        default=None, description="Required instead of `oldPhoneCode` when the account has no phone (after P9a)."
    )
    new_phone: str = strawberry.field(description="The new mobile phone number.")
    new_phone_code: str = strawberry.field(description="The SMS code sent to the new phone.")


@strawberry.input(description="The owner has read a notice (LoginSuccess.notices / PersonAccount.notices).")
class AcknowledgeNoticeInput:
    notice_id: strawberry.ID = strawberry.field(description="The `id` of the notice being acknowledged.")


@strawberry.input(description="End one of my own sessions.")
class EndSessionInput:
    session_id: strawberry.ID = strawberry.field(
        description="The `id` of the session to end, as listed in PersonAccount.sessions."
    )


@strawberry.input(description="Remove one third-party login from my account.")
class UnbindLoginInput:
    provider: str = strawberry.field(
        description="The third-party login to remove, as listed in PersonAccount.bindings."
    )
