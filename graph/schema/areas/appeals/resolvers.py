"""submitPhoneAppeal (P9a), startCertificateAppeal / submitCertificateAppeal (P9b), bindNewPhone."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx, guarded
from graph.schema.areas.appeals.inputs import (
    BindNewPhoneInput,
    StartCertificateAppealInput,
    SubmitCertificateAppealInput,
    SubmitPhoneAppealInput,
)
from graph.schema.areas.appeals.types import (
    AppealSubmitted,
    CertificateAppealStarted,
    PhoneBound,
)
from graph.schema.areas.registration.resolvers import documents_of
from graph.schema.errors import (
    AccountConflict,
    AppealRedirected,
    FieldError,
    Forbidden,
    NotAuthenticated,
    RateLimited,
    result_union,
)
from uidp.domain.accounts import SubjectKind
from uidp.services.persons.appeals import PhoneAppeal, PhoneAppeals
from uidp.services.persons.certificate_appeal import CertificateAppeal, CertificateAppeals
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.principal import Principal
from uidp.services.staff.appeal_cases import SubmittedCase

SubmitPhoneAppealResult = Annotated[
    AppealSubmitted | AppealRedirected | AccountConflict | RateLimited | FieldError,
    result_union("SubmitPhoneAppealResult"),
]
SubmitCertificateAppealResult = Annotated[
    AppealSubmitted | AccountConflict | RateLimited | FieldError,
    result_union("SubmitCertificateAppealResult"),
]
StartCertificateAppealResult = Annotated[
    CertificateAppealStarted | RateLimited | FieldError,
    result_union("StartCertificateAppealResult"),
]
BindNewPhoneResult = Annotated[
    PhoneBound | AccountConflict | NotAuthenticated | Forbidden | FieldError,
    result_union("BindNewPhoneResult"),
]


def _submitted(case: SubmittedCase) -> AppealSubmitted:
    return AppealSubmitted(case_id=strawberry.ID(str(case.case_id)), due_at=case.due_at)


async def submit_phone_appeal(info: Info, input: SubmitPhoneAppealInput) -> SubmitPhoneAppealResult:
    c = ctx(info)

    async def call() -> AppealSubmitted:
        form = PhoneAppeal(
            phone=input.phone,
            sms_code=input.sms_code,
            certificate_type=input.certificate_type,
            contact_name=input.contact_name,
            contact_certificate_number=input.contact_certificate_number,
            new_password=input.new_password,
            new_password_confirmation=input.new_password_confirmation,
            card_number=input.card_number,
            documents=documents_of(input.documents),
        )
        return _submitted(await PhoneAppeals(c.rt).submit(form, c.client))

    return await guarded(info, call)


async def start_certificate_appeal(info: Info, input: StartCertificateAppealInput) -> StartCertificateAppealResult:
    c = ctx(info)

    async def call() -> CertificateAppealStarted:
        started = await CertificateAppeals(c.rt).start(
            input.certificate_type, input.certificate_number, input.captcha_id, input.captcha_answer, c.client
        )
        return CertificateAppealStarted(
            ticket=started.ticket, masked_certificate_number=started.masked_certificate_number
        )

    return await guarded(info, call)


async def submit_certificate_appeal(info: Info, input: SubmitCertificateAppealInput) -> SubmitCertificateAppealResult:
    c = ctx(info)

    async def call() -> AppealSubmitted:
        form = CertificateAppeal(
            ticket=input.ticket,
            card_number=input.card_number,
            new_phone=input.new_phone,
            sms_code=input.sms_code,
            new_password=input.new_password,
            new_password_confirmation=input.new_password_confirmation,
        )
        return _submitted(await CertificateAppeals(c.rt).submit(form, c.client))

    return await guarded(info, call)


async def bind_new_phone(info: Info, input: BindNewPhoneInput) -> BindNewPhoneResult:
    c = ctx(info)

    async def call(principal: Principal) -> PhoneBound:
        await UserSpace(c.rt).bind_new_phone(
            principal, input.new_phone, input.sms_code, input.current_password, c.client
        )
        return PhoneBound()

    return await as_caller(info, call, kind=SubjectKind.PERSON)
