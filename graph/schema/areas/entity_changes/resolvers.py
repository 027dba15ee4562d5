"""E7 startEntityContactChange / verifyEntityElements / changeEntityContact, E8 changeEntityLegalInformation,
E10 startEntityAppeal / submitEntityAppeal."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx, guarded
from graph.schema.areas.appeals.types import AppealSubmitted
from graph.schema.areas.entity_changes.inputs import (
    ChangeEntityContactInput,
    ChangeEntityLegalInformationInput,
    EntityAppealDocumentsInput,
    StartEntityAppealInput,
    StartEntityContactChangeInput,
    SubmitEntityAppealInput,
    VerifyEntityElementsInput,
)
from graph.schema.areas.entity_changes.types import (
    EntityAppealStarted,
    EntityContactChanged,
    EntityContactChangeStarted,
    EntityLegalInformationChanged,
)
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from graph.schema.types import EntityAccount
from uidp.domain.accounts import SubjectKind
from uidp.domain.masking import mask_name, mask_phone
from uidp.models.upload import DocumentKind
from uidp.services.entities.entity_appeal import EntityAppeal, EntityAppeals
from uidp.services.entities.entity_changes import ContactChangeTicket, EntityChanges, LegalInformation, NewContact
from uidp.services.entities.entity_records import entity_view, open_entity
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import Principal
from uidp.services.shared.uploads import parse_document_ids

StartEntityContactChangeResult = Annotated[
    EntityContactChangeStarted | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("StartEntityContactChangeResult"),
]
VerifyEntityElementsResult = Annotated[
    EntityContactChangeStarted | RateLimited | FieldError,
    result_union("VerifyEntityElementsResult"),
]
ChangeEntityContactResult = Annotated[
    EntityContactChanged | RateLimited | FieldError,
    result_union("ChangeEntityContactResult"),
]
ChangeEntityLegalInformationResult = Annotated[
    EntityLegalInformationChanged | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("ChangeEntityLegalInformationResult"),
]
StartEntityAppealResult = Annotated[
    EntityAppealStarted | RateLimited | FieldError,
    result_union("StartEntityAppealResult"),
]
SubmitEntityAppealResult = Annotated[
    AppealSubmitted | RateLimited | FieldError,
    result_union("SubmitEntityAppealResult"),
]


def _started(ticket: ContactChangeTicket) -> EntityContactChangeStarted:
    return EntityContactChangeStarted(
        ticket=ticket.ticket,
        expires_at=ticket.expires_at,
        masked_entity_name=ticket.masked_entity_name,
        masked_contact_name=ticket.masked_contact_name,
        masked_contact_phone=ticket.masked_contact_phone,
    )


async def start_entity_contact_change(
    info: Info, input: StartEntityContactChangeInput
) -> StartEntityContactChangeResult:
    c = ctx(info)

    async def call(principal: Principal) -> EntityContactChangeStarted:
        return _started(await EntityChanges(c.rt).verify_by_password(principal, input.password, c.client))

    return await as_caller(info, call, kind=SubjectKind.ENTITY)


async def verify_entity_elements(info: Info, input: VerifyEntityElementsInput) -> VerifyEntityElementsResult:
    c = ctx(info)

    async def call() -> EntityContactChangeStarted:
        started = await EntityChanges(c.rt).verify_by_elements(
            input.credit_code,
            input.entity_name,
            input.representative_name,
            input.representative_certificate_number,
            c.client,
        )
        return _started(started)

    return await guarded(info, call)


async def change_entity_contact(info: Info, input: ChangeEntityContactInput) -> ChangeEntityContactResult:
    c = ctx(info)

    async def call() -> EntityContactChanged:
        form = NewContact(input.contact_name, input.contact_certificate_number, input.contact_phone, input.sms_code)
        entity = await EntityChanges(c.rt).change_contact(input.ticket, form, c.client)
        plain = open_entity(Pii(c.rt), entity)
        return EntityContactChanged(
            masked_contact_name=mask_name(plain.contact_name), masked_contact_phone=mask_phone(plain.contact_phone)
        )

    return await guarded(info, call)


async def change_entity_legal_information(
    info: Info, input: ChangeEntityLegalInformationInput
) -> ChangeEntityLegalInformationResult:
    c = ctx(info)

    async def call(principal: Principal) -> EntityLegalInformationChanged:
        form = LegalInformation(
            entity_type=input.entity_type,
            entity_name=input.entity_name,
            representative_name=input.representative_name,
            representative_certificate_number=input.representative_certificate_number,
            representative_certificate_type=input.representative_certificate_type,
        )
        entity = await EntityChanges(c.rt).change_legal_information(principal, form, c.client)
        return EntityLegalInformationChanged(account=EntityAccount.of(entity_view(c.rt, entity)))

    return await as_caller(info, call, kind=SubjectKind.ENTITY)


async def start_entity_appeal(info: Info, input: StartEntityAppealInput) -> StartEntityAppealResult:
    c = ctx(info)

    async def call() -> EntityAppealStarted:
        started = await EntityAppeals(c.rt).start(input.credit_code, c.client)
        return EntityAppealStarted(
            ticket=started.ticket,
            expires_at=started.expires_at,
            masked_entity_name=started.masked_entity_name,
            masked_credit_code=started.masked_credit_code,
        )

    return await guarded(info, call)


def _documents(documents: EntityAppealDocumentsInput | None) -> dict[DocumentKind, uuid.UUID]:
    if documents is None:
        return {}
    return parse_document_ids(
        {
            DocumentKind.BUSINESS_LICENCE: documents.business_licence,
            DocumentKind.AUTHORISATION_LETTER: documents.authorisation_letter,
            DocumentKind.CERTIFICATE_FRONT: documents.certificate_front,
            DocumentKind.CERTIFICATE_BACK: documents.certificate_back,
        }
    )


async def submit_entity_appeal(info: Info, input: SubmitEntityAppealInput) -> SubmitEntityAppealResult:
    c = ctx(info)

    async def call() -> AppealSubmitted:
        form = EntityAppeal(
            ticket=input.ticket,
            contact_name=input.contact_name,
            contact_certificate_number=input.contact_certificate_number,
            contact_phone=input.contact_phone,
            sms_code=input.sms_code,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
            new_password=input.new_password,
            new_password_confirmation=input.new_password_confirmation,
            documents=_documents(input.documents),
        )
        case = await EntityAppeals(c.rt).submit(form, c.client)
        return AppealSubmitted(case_id=strawberry.ID(str(case.case_id)), due_at=case.due_at)

    return await guarded(info, call)
