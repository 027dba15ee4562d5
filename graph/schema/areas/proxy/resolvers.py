"""Resolvers of proxy login (E3) and the authorisation check."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.permissions import require_staff
from graph.resolvers.common import auth_error, ctx, guarded, require_principal
from graph.resolvers.sessions import _success
from graph.schema.areas.proxy.inputs import CheckAuthorisationInput, LoginAsAgentInput
from graph.schema.areas.proxy.types import Authorisation
from graph.schema.errors import FieldError, Forbidden, LoginFailed, NotAuthenticated, result_union
from graph.schema.types import LoginSuccess
from uidp.domain.errors import DomainError
from uidp.services.auth.proxy_login import ProxyLogin
from uidp.services.delegation.authorisation import Authorisations

CheckAuthorisationResult = Annotated[
    Authorisation | NotAuthenticated | Forbidden | FieldError,
    result_union("CheckAuthorisationResult"),
]
LoginAsAgentResult = Annotated[
    LoginSuccess | LoginFailed | FieldError,
    result_union("LoginAsAgentResult"),
]


async def login_as_agent(info: Info, input: LoginAsAgentInput) -> LoginAsAgentResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        outcome = await ProxyLogin(c.rt).login_as_agent(
            input.credit_code,
            input.identifier,
            input.password,
            c.client,
            service_item=input.service_item,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
        )
        return await _success(info, outcome)

    return await guarded(info, call)


async def check_authorisation(info: Info, input: CheckAuthorisationInput) -> CheckAuthorisationResult:
    c = ctx(info)
    try:
        principal = await require_principal(info)
        if principal.is_staff:
            principal = await require_staff(info)  # an operator, or a token with scope "authorisation"
    except DomainError as error:
        return auth_error(error)

    async def call() -> Authorisation:
        person_id = str(input.person_id) if input.person_id is not None else None
        answer = await Authorisations(c.rt).check(
            principal, input.credit_code, input.service_item, c.client, person_id=person_id
        )
        return Authorisation(answer=answer)

    return await guarded(info, call)
