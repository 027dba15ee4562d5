"""One input type per mutation."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.file_uploads import Upload

from graph.schema.types import CertificateType, DocumentKind, Gender, SmsPurpose, ValidityPeriod
from uidp.services.staff.staff import StaffRole as DomainStaffRole


@strawberry.input(description="Send an SMS code: to `phone`, or to the phone on record of a certificate.")
class SendSmsCodeInput:
    purpose: SmsPurpose
    captcha_id: str
    captcha_answer: str
    phone: str | None = None
    certificate_type: CertificateType | None = None
    certificate_number: str | None = None


@strawberry.input
class CheckCertificateInput:
    certificate_type: CertificateType
    certificate_number: str


@strawberry.input(description="Upload one document (multipart request with the X-UIDP-CSRF header).")
class UploadDocumentInput:
    kind: DocumentKind
    file: Upload


@strawberry.input(description="Ids from uploadDocument, required for manual registration (P1c).")
class DocumentsInput:
    certificate_front: strawberry.ID | None = None
    certificate_back: strawberry.ID | None = None
    supporting: strawberry.ID | None = None


@strawberry.input(description="P1a (RESIDENT_ID), P1b (permits), P1c (passport and other: with documents).")
class RegisterPersonInput:
    name: str
    certificate_type: CertificateType
    certificate_number: str
    phone: str
    sms_code: str
    password: str
    password_confirmation: str
    accept_terms: bool
    valid_from: date | None = strawberry.field(default=None, description="Resident ID only.")
    validity_period: ValidityPeriod | None = strawberry.field(default=None, description="Resident ID only.")
    gender: Gender | None = strawberry.field(default=None, description="Permits and manual only.")
    birth_date: date | None = strawberry.field(default=None, description="Permits and manual only.")
    documents: DocumentsInput | None = None


@strawberry.input(description="P2: activate a pre-provisioned account.")
class ActivatePersonInput:
    certificate_type: CertificateType
    certificate_number: str
    valid_from: date
    validity_period: ValidityPeriod
    sms_code: str = strawberry.field(description="Code of purpose ACTIVATE, sent to the phone on record.")
    password: str
    password_confirmation: str
    accept_terms: bool
    new_phone: str | None = strawberry.field(default=None, description="Only to change the phone on record.")
    new_phone_code: str | None = strawberry.field(
        default=None, description="With `newPhone`: a code of purpose ACTIVATE_NEW_PHONE sent to it."
    )


@strawberry.input(description="P3: phone, ID number or other certificate number, and password.")
class LoginWithPasswordInput:
    identifier: str
    password: str
    captcha_id: str | None = strawberry.field(default=None, description="Required once `captchaRequired`.")
    captcha_answer: str | None = None


@strawberry.input(description="Staff login: username, password and the 6-digit code of the authenticator app.")
class LoginStaffInput:
    username: str
    password: str
    totp_code: str | None = strawberry.field(default=None, description="Without it: SECOND_FACTOR_REQUIRED.")
    captcha_id: str | None = None
    captcha_answer: str | None = None


# --- password recovery (P8), user space (P11), cancellation (P10) ---


@strawberry.input(description="P8 step 1: name, certificate and captcha.")
class StartPasswordRecoveryInput:
    name: str
    certificate_type: CertificateType
    certificate_number: str
    captcha_id: str
    captcha_answer: str


@strawberry.input(description="P8 step 2: send the code to the phone on record.")
class SendRecoveryCodeInput:
    ticket: str


@strawberry.input(description="P8 step 3: the code and the new password twice.")
class CompletePasswordRecoveryInput:
    ticket: str
    sms_code: str
    new_password: str
    new_password_confirmation: str


@strawberry.input(description="P11: change the password of the logged-in person.")
class ChangePasswordInput:
    current_password: str
    new_password: str
    new_password_confirmation: str


@strawberry.input(description="P11/P10: a code to my own phone; purpose CHANGE_PHONE_OLD or CANCEL_ACCOUNT.")
class SendMyPhoneCodeInput:
    purpose: SmsPurpose


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
    new_phone: str
    new_phone_code: str


@strawberry.input(description="The owner has read a notice (LoginSuccess.notices / PersonAccount.notices).")
class AcknowledgeNoticeInput:
    notice_id: strawberry.ID


@strawberry.input
class EndSessionInput:
    session_id: strawberry.ID


@strawberry.input
class UnbindLoginInput:
    provider: str


@strawberry.input(description="P10: confirm with my certificate number and a CANCEL_ACCOUNT code.")
class CancelAccountInput:
    certificate_number: str
    sms_code: str


# -- staff operations (A2) and the audit query (A3) --------------------------------------------

StaffRole = strawberry.enum(DomainStaffRole, name="StaffRole", description="Staff roles (A2).")


@strawberry.input(description="Create or change a catalogue item by its code (saving a retired one revives it).")
class UpsertServiceItemInput:
    code: str
    name: str
    delegable: bool = True


@strawberry.input
class RetireServiceItemInput:
    code: str


@strawberry.input
class UnlockAccountInput:
    person_id: strawberry.ID


@strawberry.input
class EndPersonSessionsInput:
    person_id: strawberry.ID


@strawberry.input(description="CSV with the header name,certificate_type,certificate_number,phone (P2).")
class ImportPersonsInput:
    csv: str


@strawberry.input(description="A staff account; the member sets password and TOTP at first login (enrolment).")
class CreateStaffInput:
    username: str
    roles: list[StaffRole]
    display_name: str | None = None


@strawberry.input(description="Administrators: a new setup code (lost authenticator, or a lost first code).")
class IssueStaffSetupCodeInput:
    username: str


@strawberry.input(description="Enrolment step 1: the username and the setup code handed over out of band.")
class StartStaffEnrolmentInput:
    username: str
    setup_code: str


@strawberry.input(
    description="Enrolment step 2: the first code of the new authenticator, and the new password (a new "
    "account) or the current password (a TOTP reset, `needsCurrentPassword`)."
)
class CompleteStaffEnrolmentInput:
    enrolment_token: str
    totp_code: str
    password: str | None = None
    password_confirmation: str | None = None
    current_password: str | None = None


@strawberry.input(description="A script token for the caller (a staff session; an API token cannot mint one).")
class CreateApiTokenInput:
    name: str
    scopes: list[str]
    expires_in_days: int = 30


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.input(description="All given conditions must hold; `from` inclusive, `to` exclusive.")
class AuditEventFilter:
    event_type: str | None = None
    subject_id: strawberry.ID | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
