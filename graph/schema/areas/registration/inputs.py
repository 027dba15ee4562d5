"""Inputs of registration (P1a-P1e), its document uploads and activation (P2)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.file_uploads import Upload

from graph.schema.types import (
    CertificateType,
    DocumentKind,
    Gender,
    ValidityPeriod,
)


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
