"""One per-address budget for every root mutation field an anonymous caller runs (issue 7, 1.5; X7).

Counted per field, so each alias in a document is one call, and counted before the resolver runs (one
atomic increment in the store), so a concurrent burst gets exactly the budget through. Over the budget the
field answers its union's ``RateLimited`` (or ``FieldError`` with code RATE_LIMITED); a field without such a
union (``requestCaptcha``, ``logout``) answers a top-level error with ``extensions.code`` RATE_LIMITED.
Callers with a session or an API token are not counted here: their own limits apply.
"""

from __future__ import annotations

import inspect
from typing import Any

from graphql import GraphQLNonNull, GraphQLResolveInfo, GraphQLUnionType
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from graph.context import Context
from graph.schema.errors import FieldError, RateLimited, to_error
from uidp.domain.errors import DomainError
from uidp.services.shared.request_limits import limit_anonymous_call

_RESULT_TYPES = {"RateLimited": RateLimited, "FieldError": FieldError}


class AnonymousMutationBudget(FieldExtension):
    """Counts an anonymous call of one root mutation field against ``UIDP_ANONYMOUS_MUTATIONS_PER_HOUR`` per
    address. A field extension on each root mutation field (:func:`budget_mutations`), not a schema
    extension's ``resolve``: that one becomes graphql-core middleware around every field of every query,
    `me`'s plain fields included, to act on the root mutation fields only."""

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        context: Context = info.context
        if not await _anonymous(context):
            return await _awaited(next_(source, info, **kwargs))
        try:
            await limit_anonymous_call(context.rt, context.client)
        except DomainError as refusal:
            allowed = tuple(_RESULT_TYPES[name] for name in _union_members(info._raw_info) if name in _RESULT_TYPES)
            if not allowed:
                raise
            return to_error(refusal, allowed)
        return await _awaited(next_(source, info, **kwargs))


def budget_mutations(mutation: type) -> None:
    """Put the budget on every root field of ``mutation`` (once, however many schemas are built)."""
    for field in mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if not any(isinstance(extension, AnonymousMutationBudget) for extension in field.extensions):
            field.extensions.append(AnonymousMutationBudget())


async def _anonymous(context: Context) -> bool:
    try:
        return await context.principal() is None
    except DomainError:
        return True  # an expired or refused token acts for nobody


def _union_members(info: GraphQLResolveInfo) -> list[str]:
    result_type = info.return_type
    if isinstance(result_type, GraphQLNonNull):
        result_type = result_type.of_type
    return [member.name for member in result_type.types] if isinstance(result_type, GraphQLUnionType) else []


async def _awaited(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
