"""Legal persons: entityTypes, startEntityRegistration + registerEntity (E1) and loginEntity (E2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.resolvers.sessions import _success
from graph.schema.errors import FieldError, LoginFailed, RateLimited, result_union
from graph.schema.types import EntityAccount, EntityType, LoginSuccess
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.entity import EntityType as DomainEntityType
from uidp.services.auth.login import LoginService
from uidp.services.entities.entities import ENTITY_TYPE_LABELS, EntityViews
from uidp.services.entities.entity_registration import EntityRegistration, EntityRegistrationService


@strawberry.type(description="A 法人类型 for the registration form's select.")
class EntityTypeInfo:
    type: EntityType
    label: str


@strawberry.input(description="E1 step 1: the legal representative's person account (code purpose ENTITY_REGISTER).")
class StartEntityRegistrationInput:
    phone: str = strawberry.field(description="The legal representative's phone of their person account.")
    sms_code: str = strawberry.field(description="The SMS code sent to `phone`.")
    password: str = strawberry.field(description="The representative's own person-account password.")


@strawberry.type(description="E1 step 1 done: send `ticket` with registerEntity before `expiresAt`.")
class RepresentativeVerified:
    ticket: str
    expires_at: datetime
    masked_name: str
    masked_certificate_number: str


@strawberry.input(description="E1 step 2: the entity, its contact (code purpose ENTITY_REGISTER) and password.")
class RegisterEntityInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    entity_name: str = strawberry.field(description="The enterprise or institution name (企业/机构名称) as registered.")
    entity_type: EntityType = strawberry.field(description="The legal-person type (法人类型).")
    credit_code: str = strawberry.field(description="统一社会信用代码, 18 characters (GB 32100).")
    contact_name: str = strawberry.field(description="The contact person's name (联系人姓名).")
    contact_certificate_number: str = strawberry.field(description="The contact's resident ID number.")
    contact_phone: str = strawberry.field(description="The contact person's mobile phone; the SMS code goes there.")
    sms_code: str = strawberry.field(description="The ENTITY_REGISTER code sent to contactPhone.")
    password: str = strawberry.field(description="The login password.")
    password_confirmation: str = strawberry.field(description="The password typed a second time.")
    accept_terms: bool = strawberry.field(
        description="True once the user has read and accepted the registration terms (注册协议)."
    )


@strawberry.type(description="The entity is registered (level 2, 中级); log in with loginEntity.")
class EntityRegistered:
    account: EntityAccount


@strawberry.input(description="E2: credit code + password; the captcha only once LoginFailed.captchaRequired.")
class LoginEntityInput:
    credit_code: str = strawberry.field(description="The unified social credit code (统一社会信用代码), 18 characters.")
    password: str = strawberry.field(description="The entity account's login password.")
    captcha_id: str | None = strawberry.field(default=None, description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )


StartEntityRegistrationResult = Annotated[
    RepresentativeVerified | RateLimited | FieldError,
    result_union("StartEntityRegistrationResult"),
]
RegisterEntityResult = Annotated[
    EntityRegistered | RateLimited | FieldError,
    result_union("RegisterEntityResult"),
]
LoginEntityResult = Annotated[
    LoginSuccess | LoginFailed | FieldError,
    result_union("LoginEntityResult"),
]


def entity_types() -> list[EntityTypeInfo]:
    return [EntityTypeInfo(type=kind, label=label) for kind, label in ENTITY_TYPE_LABELS.items()]


async def start_entity_registration(info: Info, input: StartEntityRegistrationInput) -> StartEntityRegistrationResult:
    c = ctx(info)

    async def call() -> RepresentativeVerified:
        proven = await EntityRegistrationService(c.rt).prove_representative(
            input.phone, input.sms_code, input.password, c.client
        )
        return RepresentativeVerified(
            ticket=proven.ticket,
            expires_at=proven.expires_at,
            masked_name=proven.masked_name,
            masked_certificate_number=proven.masked_certificate_number,
        )

    return await guarded(info, call)


async def register_entity(info: Info, input: RegisterEntityInput) -> RegisterEntityResult:
    c = ctx(info)

    async def call() -> EntityRegistered:
        form = EntityRegistration(
            ticket=input.ticket,
            entity_name=input.entity_name,
            entity_type=DomainEntityType(input.entity_type),
            credit_code=input.credit_code,
            contact_name=input.contact_name,
            contact_certificate_number=input.contact_certificate_number,
            contact_phone=input.contact_phone,
            sms_code=input.sms_code,
            password=input.password,
            password_confirmation=input.password_confirmation,
            accept_terms=input.accept_terms,
        )
        entity = await EntityRegistrationService(c.rt).register(form, c.client)
        return EntityRegistered(account=EntityAccount.of(EntityViews(c.rt).view(entity)))

    return await guarded(info, call)


async def login_entity(info: Info, input: LoginEntityInput) -> LoginEntityResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        if not (input.credit_code or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入统一社会信用代码", "creditCode")
        outcome = await LoginService(c.rt).login_with_password(
            input.credit_code,
            input.password,
            c.client,
            realm="entity",
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
        )
        return await _success(info, outcome)

    return await guarded(info, call)
