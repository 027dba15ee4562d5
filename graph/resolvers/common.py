"""Shared resolver plumbing: context access, domain errors to error types, session requirements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.types import Info
from strawberry.types.base import StrawberryOptional
from strawberry.types.union import StrawberryUnion

from graph.context import Context
from graph.permissions import AGENT_FIELDS
from graph.schema.errors import Error, FieldError, Forbidden, NotAuthenticated, to_error
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.principal import Principal, refuse_agent

T = TypeVar("T")


def ctx(info: Info) -> Context:
    return info.context


def result_members(info: Info) -> tuple[type, ...]:
    """The member types of the field's result union, read from the resolver's return annotation."""
    return union_members(info.return_type)


def union_members(result: object) -> tuple[type, ...]:
    """The member types of a Strawberry result union (``()`` for any other field type)."""
    while isinstance(result, StrawberryOptional):
        result = result.of_type
    return tuple(result.types) if isinstance(result, StrawberryUnion) else ()


async def guarded(info: Info, call: Callable[[], Awaitable[T]]) -> T | Error:
    """Run a service call; a DomainError becomes the most specific error type of the field's result union.

    The union is the only list of errors a resolver may return: nothing is listed a second time here. A union
    without ``FieldError`` cannot carry a domain error, so the error propagates (a top-level GraphQL error).
    """
    try:
        return await call()
    except DomainError as error:
        members = result_members(info)
        if FieldError not in members:
            raise
        return to_error(error, members)


async def require_principal(info: Info, kind: str | None = None, roles: tuple[str, ...] = ()) -> Principal:
    """The caller's principal, or a DomainError that resolvers turn into NotAuthenticated / Forbidden.

    A proxy session is refused (AGENT_FORBIDDEN) on every root field not in ``graph.permissions.AGENT_FIELDS``.
    """
    principal = await ctx(info).principal()
    if principal is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
    if info.field_name not in AGENT_FIELDS:
        refuse_agent(principal)
    if kind is not None and principal.kind != kind:
        raise DomainError(ErrorCode.FORBIDDEN, "无权执行此操作")
    if roles and not set(roles) & set(principal.roles):
        raise DomainError(ErrorCode.FORBIDDEN, "无权执行此操作")
    return principal


async def principal_or_error(
    info: Info, kind: str | None = None, roles: tuple[str, ...] = ()
) -> Principal | NotAuthenticated | Forbidden:
    """For mutations whose union has NotAuthenticated / Forbidden: the principal, or the error to return."""
    try:
        return await require_principal(info, kind, roles)
    except DomainError as error:
        return auth_error(error)


async def as_caller(
    info: Info,
    work: Callable[[Principal], Awaitable[T]],
    check: Callable[[Info], Awaitable[Principal]] | None = None,
    *,
    kind: str | None = None,
) -> Any:
    """Run ``work`` for the caller through ``guarded``. ``check`` admits the caller (by default any session, of
    ``kind`` when given: ``require_principal``); its DomainError answers NotAuthenticated / Forbidden."""
    try:
        principal = await (check(info) if check is not None else require_principal(info, kind))
    except DomainError as error:
        return auth_error(error)
    return await guarded(info, lambda: work(principal))


def auth_error(error: DomainError) -> Any:
    base = {"code": error.code, "message": error.message, "field": error.field}
    return NotAuthenticated(**base) if error.code == ErrorCode.NOT_AUTHENTICATED else Forbidden(**base)
