"""Tells the request record (uidp.observability) what a GraphQL request was: operation, result type, error code.

The result type is the schema type the first root field answered (``LoginSuccess``, ``LoginFailed``,
``RateLimited``); with several root fields, the first one that answered an error type wins. A top-level error
gives the error code instead. Database and store failures among the errors are counted here, before the
masking extension replaces them with "Unexpected error.".

The root fields' answers are noted by a wrapper around each root field's resolver (:func:`observe_root_fields`,
once when the schema is built), not by a schema extension's ``resolve``: that is graphql-core middleware
around every field of every operation, to act on root fields only.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, default_field_resolver
from strawberry.extensions import SchemaExtension

from uidp.domain.errors import DomainError
from uidp.observability.metrics import bounded, count_backend_error
from uidp.observability.request_record import RequestRecord, record_of


class ObserveRequest(SchemaExtension):
    """Fills the request record of an HTTP GraphQL request; does nothing on a WebSocket."""

    def on_operation(self) -> Iterator[None]:
        yield
        record = self._record()
        if record is None:
            return
        context = self.execution_context
        record.operation = bounded("operation", context.operation_name) if context.operation_name else "anonymous"
        if record.result is None and context.pre_execution_errors:
            record.result, record.error_code = "error", _code(context.pre_execution_errors[0])

    def on_execute(self) -> Iterator[None]:
        yield
        record = self._record()
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or [])
        for error in errors:
            count_backend_error(error.original_error)
        if record is not None and errors and record.error_code is None:
            record.error_code = _code(errors[0])
            record.result = record.result or "error"

    def _record(self) -> RequestRecord | None:
        return _record_of(self.execution_context.context)


def observe_root_fields(schema: GraphQLSchema) -> None:
    """Wrap the resolver of every root query and mutation field so its answer is noted in the request record.

    Call it after anything else that wraps resolvers (graph.input_guard), so a refusal there is noted too.
    """
    for root in (schema.query_type, schema.mutation_type):
        for field in root.fields.values() if root is not None else ():
            field.resolve = _noting(field.resolve or default_field_resolver)


def _noting(resolve: Callable[..., Any]) -> Callable[..., Any]:
    def noted(root: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        value = resolve(root, info, **arguments)
        if inspect.isawaitable(value):
            return _noted_later(value, info.context)
        _note(_record_of(info.context), value)
        return value

    return noted


async def _noted_later(pending: Awaitable[Any], context: Any) -> Any:
    value = await pending
    _note(_record_of(context), value)
    return value


def _note(record: RequestRecord | None, value: Any) -> None:
    if record is None or value is None:
        return
    definition = getattr(type(value), "__strawberry_definition__", None)
    name = definition.name if definition is not None else "ok"
    code = getattr(value, "code", None)
    if record.result is None or (code is not None and record.error_code is None):
        record.result = name
        if code is not None:
            record.error_code = str(getattr(code, "value", code))


def _record_of(context: Any) -> RequestRecord | None:
    request = getattr(context, "request", None)
    return record_of(request.scope) if request is not None else None


def _code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code.value
    if original is None:
        return "INVALID_DOCUMENT"  # syntax or validation: about the caller's document
    return "INTERNAL"
