"""The sessionEnded subscription: tells an open page that its session is over (logout elsewhere, password
change, appeal approval, staff action, expiry, idle timeout)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import auth_error, ctx, require_principal
from graph.schema.areas.subscriptions.types import SessionEndedEvent
from graph.schema.errors import Forbidden, NotAuthenticated, result_union
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.auth.session_watch import SessionWatch

SessionEndedResult = Annotated[
    SessionEndedEvent | NotAuthenticated | Forbidden,
    result_union("SessionEndedResult"),
]


async def session_ended(info: Info) -> AsyncGenerator[SessionEndedResult, None]:
    """One event when the session named in connection_init ends, then the subscription completes."""
    try:
        principal = await require_principal(info)
    except DomainError as error:
        yield auth_error(error)
        return
    if principal.via_token:
        yield Forbidden(code=ErrorCode.FORBIDDEN, message="API 令牌没有会话可订阅", field=None)  # type: ignore[call-arg]
        return
    end = await SessionWatch(ctx(info).rt).until_ended(principal.kind, principal.id, principal.session_id)
    yield SessionEndedEvent(reason=end.reason, at=end.at)
