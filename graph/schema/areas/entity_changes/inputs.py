"""Inputs of the contact change (E7), legal-information change (E8) and entity appeal (E10)."""

from __future__ import annotations

import strawberry

from graph.schema.types import (
    CertificateType,
    EntityType,
)
from uidp.domain.certificates import CertificateType as DomainCertificateType


@strawberry.input(description="E7 (a), entity session: the entity's login password.")
class StartEntityContactChangeInput:
    password: str | None = strawberry.field(
        default=None,
        description="The entity account's login password; may be left out within EntityAccount"
        ".recoveryWindowEndsAt (10 minutes after an elicense login, FAQ 3.2).",
    )


@strawberry.input(description="E7 (b), anonymous: the four enterprise elements (企业四要素).")
class VerifyEntityElementsInput:
    credit_code: str = strawberry.field(description="统一社会信用代码")
    entity_name: str = strawberry.field(description="企业名称/机构名称")
    representative_name: str = strawberry.field(description="法定代表人/负责人姓名")
    representative_certificate_number: str = strawberry.field(description="法定代表人/负责人证件号码")


@strawberry.input(description="E7 step 2: the new contact; `smsCode` of purpose ENTITY_CONTACT_PHONE to contactPhone.")
class ChangeEntityContactInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    contact_name: str = strawberry.field(description="The contact person's name (联系人姓名).")
    contact_certificate_number: str = strawberry.field(description="The contact's resident ID number.")
    contact_phone: str = strawberry.field(description="The contact person's mobile phone; the SMS code goes there.")
    sms_code: str = strawberry.field(description="The 6-digit SMS code of this form's purpose.")


@strawberry.input(description="E8, entity session: the information as the business registry now holds it.")
class ChangeEntityLegalInformationInput:
    entity_type: EntityType = strawberry.field(description="The legal-person type (法人类型).")
    entity_name: str = strawberry.field(description="The enterprise or institution name (企业/机构名称) as registered.")
    representative_name: str = strawberry.field(description="The legal representative's name (法定代表人/负责人姓名).")
    representative_certificate_number: str = strawberry.field(
        description="The legal representative's certificate number (法定代表人证件号码)."
    )
    representative_certificate_type: CertificateType = strawberry.field(
        default=DomainCertificateType.RESIDENT_ID, description="The legal representative's certificate type."
    )


@strawberry.input(description="E10 step 1: the credit code of the entity to appeal for.")
class StartEntityAppealInput:
    credit_code: str = strawberry.field(description="The unified social credit code (统一社会信用代码), 18 characters.")


@strawberry.input(description="Ids from uploadDocument (kinds BUSINESS_LICENCE, AUTHORISATION_LETTER, CERTIFICATE_*).")
class EntityAppealDocumentsInput:
    business_licence: strawberry.ID | None = strawberry.field(
        default=None, description="Upload id of the business licence (营业执照)."
    )
    authorisation_letter: strawberry.ID | None = strawberry.field(
        default=None, description="Upload id of the signed authorisation letter (授权委托书)."
    )
    certificate_front: strawberry.ID | None = strawberry.field(
        default=None, description="The new contact's ID card, portrait side."
    )
    certificate_back: strawberry.ID | None = strawberry.field(
        default=None, description="The new contact's ID card, emblem side."
    )


@strawberry.input(description="E10 step 2: documents, new contact (code ENTITY_APPEAL), captcha, new password.")
class SubmitEntityAppealInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    contact_name: str = strawberry.field(description="The contact person's name (联系人姓名).")
    contact_certificate_number: str = strawberry.field(
        description="The contact person's resident ID number (身份证号码)."
    )
    contact_phone: str = strawberry.field(description="The contact person's mobile phone; the SMS code goes there.")
    sms_code: str = strawberry.field(description="The 6-digit SMS code of this form's purpose.")
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")
    new_password: str = strawberry.field(
        description="The new login password (the password rules of registrationRules apply)."
    )
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")
    documents: EntityAppealDocumentsInput | None = strawberry.field(
        default=None, description="Upload ids from uploadDocument, one per required document."
    )
