"""One input type per mutation."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.file_uploads import Upload

from graph.schema.types import CertificateType, DocumentKind, Gender, SmsPurpose, ValidityPeriod


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
    sms_code: str
    password: str
    password_confirmation: str
    accept_terms: bool
    new_phone: str | None = strawberry.field(default=None, description="Only to change the phone on record.")


@strawberry.input(description="P3: phone, ID number or other certificate number, and password.")
class LoginWithPasswordInput:
    identifier: str
    password: str
    captcha_id: str | None = strawberry.field(default=None, description="Required once `captchaRequired`.")
    captcha_answer: str | None = None


@strawberry.input
class LoginStaffInput:
    username: str
    password: str
    captcha_id: str | None = None
    captcha_answer: str | None = None
