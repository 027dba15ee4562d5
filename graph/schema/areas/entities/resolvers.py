"""Legal persons: entityTypes, startEntityRegistration + registerEntity (E1) and loginEntity (E2)."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.resolvers.sessions import _success
from graph.schema.areas.entities.inputs import LoginEntityInput, RegisterEntityInput, StartEntityRegistrationInput
from graph.schema.areas.entities.types import EntityRegistered, EntityTypeInfo, RepresentativeVerified
from graph.schema.errors import FieldError, LoginFailed, RateLimited, result_union
from graph.schema.types import EntityAccount, LoginSuccess
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.entity import EntityType as DomainEntityType
from uidp.services.auth.login import LoginService
from uidp.services.entities.entities import ENTITY_TYPE_LABELS, EntityViews
from uidp.services.entities.entity_registration import EntityRegistration, EntityRegistrationService

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
            realm=SubjectKind.ENTITY,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
        )
        return await _success(info, outcome)

    return await guarded(info, call)
