"""Types and inputs of the entity's contact change (E7), legal-information change (E8) and appeal (E10)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.types import CertificateType, EntityAccount, EntityType
from uidp.domain.certificates import CertificateType as DomainCertificateType


@strawberry.input(description="E7 (a), entity session: the entity's login password.")
class StartEntityContactChangeInput:
    password: str


@strawberry.input(description="E7 (b), anonymous: the four enterprise elements (企业四要素).")
class VerifyEntityElementsInput:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    entity_name: str = strawberry.field(description="企业名称/机构名称")
    representative_name: str = strawberry.field(description="法定代表人/负责人姓名")
    representative_certificate_number: str = strawberry.field(description="法定代表人/负责人证件号码")


@strawberry.type(description="E7 step 1 done: send `ticket` with changeEntityContact before `expiresAt`.")
class EntityContactChangeStarted:
    ticket: str
    expires_at: datetime
    masked_entity_name: str
    masked_contact_name: str
    masked_contact_phone: str


@strawberry.input(description="E7 step 2: the new contact; `smsCode` of purpose ENTITY_CONTACT_PHONE to contactPhone.")
class ChangeEntityContactInput:
    ticket: str
    contact_name: str
    contact_certificate_number: str = strawberry.field(description="The contact's resident ID number.")
    contact_phone: str
    sms_code: str


@strawberry.type(description="E7 done: the contact is replaced (masked).")
class EntityContactChanged:
    masked_contact_name: str
    masked_contact_phone: str


@strawberry.input(description="E8, entity session: the information as the business registry now holds it.")
class ChangeEntityLegalInformationInput:
    entity_type: EntityType
    entity_name: str
    representative_name: str
    representative_certificate_number: str
    representative_certificate_type: CertificateType = DomainCertificateType.RESIDENT_ID


@strawberry.type(description="E8 done: the entity as it is now (masked).")
class EntityLegalInformationChanged:
    account: EntityAccount


@strawberry.input(description="E10 step 1: the credit code of the entity to appeal for.")
class StartEntityAppealInput:
    credit_code: str


@strawberry.type(description="E10 step 1 done: the masked entity; send `ticket` with submitEntityAppeal.")
class EntityAppealStarted:
    ticket: str
    expires_at: datetime
    masked_entity_name: str
    masked_credit_code: str


@strawberry.input(description="Ids from uploadDocument (kinds BUSINESS_LICENCE, AUTHORISATION_LETTER, CERTIFICATE_*).")
class EntityAppealDocumentsInput:
    business_licence: strawberry.ID | None = None
    authorisation_letter: strawberry.ID | None = None
    certificate_front: strawberry.ID | None = strawberry.field(
        default=None, description="The new contact's ID card, portrait side."
    )
    certificate_back: strawberry.ID | None = strawberry.field(
        default=None, description="The new contact's ID card, emblem side."
    )


@strawberry.input(description="E10 step 2: documents, new contact (code ENTITY_APPEAL), captcha, new password.")
class SubmitEntityAppealInput:
    ticket: str
    contact_name: str
    contact_certificate_number: str
    contact_phone: str
    sms_code: str
    captcha_id: str
    captcha_answer: str
    new_password: str
    new_password_confirmation: str
    documents: EntityAppealDocumentsInput | None = None
