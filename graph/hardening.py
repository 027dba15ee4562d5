"""Schema extensions that keep hostile documents out: depth, aliases, tokens, masked errors."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, ValidationRule
from strawberry.extensions import AddValidationRules, MaskErrors
from strawberry.extensions.query_depth_limiter import create_validator

from uidp.domain.errors import DomainError, ErrorCode

# Codes a top-level error may show as they are: access problems on fields that return data, not unions.
VISIBLE_CODES = {
    ErrorCode.NOT_AUTHENTICATED,
    ErrorCode.FORBIDDEN,
    ErrorCode.NOT_FOUND,
    ErrorCode.RATE_LIMITED,
}


class SafeQueryDepthLimiter(AddValidationRules):
    """Strawberry's depth limiter, minus its KeyError on a spread of an undefined fragment.

    The stock rule raises a bare KeyError for ``{ ...Missing }``, and that text leaks through MaskErrors.
    Here the depth check steps aside, and graphql-core's KnownFragmentNames rule reports it normally.
    """

    def __init__(self, max_depth: int) -> None:
        stock = create_validator(max_depth, None)

        class DepthRule(stock):  # type: ignore[misc,valid-type]
            def __init__(self, context: Any) -> None:
                try:
                    super().__init__(context)
                except KeyError:
                    ValidationRule.__init__(self, context)

        super().__init__([DepthRule])


def should_mask(error: GraphQLError) -> bool:
    """Mask everything unexpected; keep validation errors and the few access codes front ends act on."""
    original = error.original_error
    if original is None:
        return False  # syntax and validation errors: about the document, no internals
    return not (isinstance(original, DomainError) and original.code in VISIBLE_CODES)


class UidpMaskErrors(MaskErrors):
    """MaskErrors that also adds ``extensions.code`` to the access errors it lets through."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            original = error.original_error
            if isinstance(original, DomainError):
                error.extensions = {**(error.extensions or {}), "code": original.code.value}
        return processed
