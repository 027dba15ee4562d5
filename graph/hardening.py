"""Schema extensions that keep hostile documents out: depth, aliases, tokens, masked errors."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule, ValidationRule
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as create_alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_validator
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from graph.extension_runner import FastExtensionsRunner
from uidp.domain.errors import DomainError, ErrorCode

# Codes a top-level error may show as they are, on fields that return data, not unions: access problems,
# and input refused at the edge (graph.input_guard) or by a format check.
VISIBLE_CODES = {
    ErrorCode.NOT_AUTHENTICATED,
    ErrorCode.FORBIDDEN,
    ErrorCode.NOT_FOUND,
    ErrorCode.RATE_LIMITED,
    ErrorCode.TOKEN_EXPIRED,
    ErrorCode.TOKEN_SCOPE,
    ErrorCode.INVALID_FORMAT,
    ErrorCode.INVALID_PHONE,
    ErrorCode.INPUT_TOO_LONG,
    ErrorCode.INVALID_CHARACTERS,
}
SUGGESTION = " Did you mean "


def safe_depth_rule(max_depth: int) -> type[ValidationRule]:
    """Strawberry's depth rule, minus its KeyError on a spread of an undefined fragment.

    The stock rule raises a bare KeyError for ``{ ...Missing }``, and that text leaks through MaskErrors.
    Here the depth check steps aside, and graphql-core's KnownFragmentNames rule reports it normally.
    """
    stock = create_depth_validator(max_depth, None)

    class DepthRule(stock):  # type: ignore[misc,valid-type]
        def __init__(self, context: Any) -> None:
            try:
                super().__init__(context)
            except KeyError:
                ValidationRule.__init__(self, context)

    return DepthRule


def document_rules(max_depth: int, max_aliases: int, introspection: bool) -> list[type[ValidationRule]]:
    """The validation rules beyond graphql-core's: depth, aliases and, when introspection is off, no
    introspection (graph.documents validates each document once with them)."""
    rules: list[type[ValidationRule]] = [safe_depth_rule(max_depth), create_alias_validator(max_aliases)]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def should_mask(error: GraphQLError) -> bool:
    """Mask everything unexpected; keep validation errors and the few access codes front ends act on."""
    original = error.original_error
    if original is None:
        return False  # syntax and validation errors: about the document, no internals
    if error.path is None and isinstance(original, GraphQLError | StrawberryInputCoercionError):
        return False  # a variable graphql-core could not coerce ("Int cannot represent ..."): about the input
    return not (isinstance(original, DomainError) and original.code in VISIBLE_CODES)


def without_suggestion(message: str) -> str:
    """The message without graphql-core's " Did you mean ...?" tail (types, fields, arguments, enum values)."""
    return message.split(SUGGESTION, 1)[0]


class UidpMaskErrors(MaskErrors):
    """MaskErrors that adds ``extensions.code`` (and ``field``) to the domain errors it lets through.

    ``hide_suggestions`` (production) strips every name suggestion, not only the field ones Strawberry's
    ``disable_field_suggestions`` handles.
    """

    hide_suggestions = False

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="Unexpected error.")

    def _process_result(self, result: object) -> None:
        # Stock MaskErrors asks isinstance() of a runtime-checkable Protocol on every request (slow); the
        # results it is given are graphql-core's or Strawberry's, both with an ``errors`` attribute.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            original = error.original_error
            if isinstance(original, DomainError):
                extra = {"code": original.code.value, **({"field": original.field} if original.field else {})}
                error.extensions = {**(error.extensions or {}), **extra}
            if self.hide_suggestions:
                error.message = without_suggestion(error.message)
        return processed


class QuietSchema(strawberry.Schema):
    """Logs only the errors it masks. The others are about the caller's document or input, are answered to the
    caller, and repeat what the caller sent (a password or ID number in a variable of the wrong type)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        super().process_errors([error for error in errors if should_mask(error)], execution_context)

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return FastExtensionsRunner(execution_context=execution_context, extensions=extensions)


class ProductionMaskErrors(UidpMaskErrors):
    hide_suggestions = True
