"""checkCertificate, uploadDocument, registerPerson (P1a-P1e) and activatePerson (P2)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.schema.areas.registration.inputs import (
    ActivatePersonInput,
    CheckCertificateInput,
    DocumentsInput,
    RegisterPersonInput,
    UploadDocumentInput,
)
from graph.schema.areas.registration.types import (
    CertificateAvailable,
    PersonActivated,
    PersonRegistered,
    UploadedDocument,
)
from graph.schema.errors import (
    AccountConflict,
    ActivationRequired,
    FieldError,
    RateLimited,
    RegistrationWindowClosed,
    result_union,
)
from graph.schema.types import PersonAccount
from uidp.models.person import PersonStatus
from uidp.models.upload import DocumentKind
from uidp.services.persons.activation import ActivationService, PersonActivation
from uidp.services.persons.persons import PersonViews
from uidp.services.persons.registration import PersonRegistration, RegistrationService
from uidp.services.shared.uploads import Uploads, parse_document_ids

CheckCertificateResult = Annotated[
    CertificateAvailable | RegistrationWindowClosed | RateLimited | FieldError,
    result_union("CheckCertificateResult"),
]
UploadDocumentResult = Annotated[
    UploadedDocument | RateLimited | FieldError,
    result_union("UploadDocumentResult"),
]
RegisterPersonResult = Annotated[
    PersonRegistered | ActivationRequired | AccountConflict | RegistrationWindowClosed | RateLimited | FieldError,
    result_union("RegisterPersonResult"),
]
ActivatePersonResult = Annotated[
    PersonActivated | AccountConflict | RateLimited | FieldError,
    result_union("ActivatePersonResult"),
]


async def check_certificate(info: Info, input: CheckCertificateInput) -> CheckCertificateResult:
    c = ctx(info)

    async def call() -> CertificateAvailable:
        await RegistrationService(c.rt).check_certificate(input.certificate_type, input.certificate_number, c.client)
        return CertificateAvailable(certificate_type=input.certificate_type)

    return await guarded(info, call)


async def upload_document(info: Info, input: UploadDocumentInput) -> UploadDocumentResult:
    c = ctx(info)

    async def call() -> UploadedDocument:
        limit = c.rt.settings.upload_max_bytes
        data = await input.file.read(limit + 1)
        upload = await Uploads(c.rt).store(DocumentKind(input.kind), input.file.content_type or "", data, c.client)
        return UploadedDocument(
            id=strawberry.ID(str(upload.id)),
            kind=upload.kind,
            content_type=upload.content_type,
            size=upload.size,
        )

    return await guarded(info, call)


def documents_of(documents: DocumentsInput | None) -> dict[DocumentKind, uuid.UUID]:
    if documents is None:
        return {}
    return parse_document_ids(
        {
            DocumentKind.CERTIFICATE_FRONT: documents.certificate_front,
            DocumentKind.CERTIFICATE_BACK: documents.certificate_back,
            DocumentKind.SUPPORTING: documents.supporting,
        }
    )


async def register_person(info: Info, input: RegisterPersonInput) -> RegisterPersonResult:
    c = ctx(info)

    async def call() -> PersonRegistered:
        form = PersonRegistration(
            name=input.name,
            certificate_type=input.certificate_type,
            certificate_number=input.certificate_number,
            phone=input.phone,
            sms_code=input.sms_code,
            password=input.password,
            password_confirmation=input.password_confirmation,
            accept_terms=input.accept_terms,
            valid_from=input.valid_from,
            validity_period=input.validity_period,
            gender=input.gender,
            birth_date=input.birth_date,
            documents=documents_of(input.documents),
        )
        person = await RegistrationService(c.rt).register(form, c.client)
        account = PersonAccount.of(PersonViews(c.rt).view(person))
        return PersonRegistered(account=account, needs_review=person.status == PersonStatus.PENDING_REVIEW)

    return await guarded(info, call)


async def activate_person(info: Info, input: ActivatePersonInput) -> ActivatePersonResult:
    c = ctx(info)

    async def call() -> PersonActivated:
        form = PersonActivation(
            certificate_type=input.certificate_type,
            certificate_number=input.certificate_number,
            valid_from=input.valid_from,
            validity_period=input.validity_period,
            sms_code=input.sms_code,
            password=input.password,
            password_confirmation=input.password_confirmation,
            accept_terms=input.accept_terms,
            new_phone=input.new_phone,
            new_phone_code=input.new_phone_code,
        )
        person = await ActivationService(c.rt).activate(form, c.client)
        return PersonActivated(account=PersonAccount.of(PersonViews(c.rt).view(person)))

    return await guarded(info, call)
