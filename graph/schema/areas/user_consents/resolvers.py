"""Consents to connected systems in the user space (C3): myConsents, revokeConsent."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import as_caller, ctx, require_principal
from graph.schema.areas.user_consents.inputs import RevokeConsentInput
from graph.schema.areas.user_consents.types import (
    ConnectedSystemConsent,
    ConnectedSystemConsentConnection,
    ConnectedSystemConsentEdge,
    ConsentRevoked,
)
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, result_union
from graph.schema.pagination import After, Before, First, Last, connection
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.oidc.consents import Consents
from uidp.services.shared.pagination import Window, encode_cursor
from uidp.services.shared.principal import Principal

MyConsentsResult = Annotated[
    ConnectedSystemConsentConnection | NotAuthenticated | Forbidden | FieldError, result_union("MyConsentsResult")
]
RevokeConsentResult = Annotated[
    ConsentRevoked | NotAuthenticated | Forbidden | FieldError, result_union("RevokeConsentResult")
]


async def _owner(info: Info) -> Principal:
    """A person's or an entity's own session (no staff, no API token, no proxy session)."""
    principal = await require_principal(info)
    if principal.kind not in (SubjectKind.PERSON, SubjectKind.ENTITY) or principal.via_token:
        raise DomainError(ErrorCode.FORBIDDEN, "无权执行此操作")
    return principal


async def my_consents(
    info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
) -> MyConsentsResult:
    async def call(principal: Principal) -> ConnectedSystemConsentConnection:
        window = Window(first=first, after=after, last=last, before=before)
        views, page = await Consents(ctx(info).rt).page(principal, window)
        return connection(
            ConnectedSystemConsentConnection,
            ConnectedSystemConsentEdge,
            page,
            ConnectedSystemConsent.of,
            lambda view: encode_cursor(view.granted_at, view.id),
            views,
        )

    return await as_caller(info, call, _owner)


async def revoke_consent(info: Info, input: RevokeConsentInput) -> RevokeConsentResult:
    c = ctx(info)

    async def call(principal: Principal) -> ConsentRevoked:
        revoked = await Consents(c.rt).revoke(principal, str(input.consent_id), c.client)
        return ConsentRevoked(consent_id=input.consent_id, authorizations_revoked=revoked)

    return await as_caller(info, call, _owner)
