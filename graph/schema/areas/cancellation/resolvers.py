"""cancellationNotice and cancelAccount (P10)."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.schema.areas.cancellation.inputs import CancelAccountInput
from graph.schema.areas.cancellation.types import AccountCancelled, CancellationNotice
from graph.schema.areas.user_space.resolvers import as_person
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, RateLimited, result_union
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
    c, principal = ctx(info), await as_person(info)
    if not isinstance(principal, Principal):
        return principal

    async def call() -> AccountCancelled:
        await CancellationService(c.rt).cancel(principal, input.certificate_number, input.sms_code, c.client)
        clear_session_cookie(c.response, c.rt.settings)
        return AccountCancelled()

    return await guarded(info, call)
