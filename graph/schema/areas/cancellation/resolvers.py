"""cancellationNotice and cancelAccount (P10)."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx
from graph.schema.areas.cancellation.inputs import CancelAccountInput
from graph.schema.areas.cancellation.types import AccountCancelled, CancellationNotice
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
from uidp.domain.accounts import SubjectKind
from uidp.http.auth import clear_session_cookie
from uidp.services.persons.cancellation import AFTERWARDS, CONSEQUENCES, CancellationService
from uidp.services.shared.principal import Principal

CancelAccountResult = Annotated[
    AccountCancelled | NotAuthenticated | Forbidden | RateLimited | FieldError,
    result_union("CancelAccountResult"),
]


def cancellation_notice() -> CancellationNotice:
    return CancellationNotice(consequences=list(CONSEQUENCES), afterwards=AFTERWARDS)


async def cancel_account(info: Info, input: CancelAccountInput) -> CancelAccountResult:
    c = ctx(info)

    async def call(principal: Principal) -> AccountCancelled:
        await CancellationService(c.rt).cancel(principal, input.certificate_number, input.sms_code, c.client)
        clear_session_cookie(c.response, c.rt.settings)
        return AccountCancelled()

    return await as_caller(info, call, kind=SubjectKind.PERSON)
