"""Each distinct GraphQL document is parsed and validated once per schema, with every limit in the validation.

Stock Strawberry spreads this over five extensions (ParserCache, ValidationCache, MaxTokensLimiter, the depth
and alias rules through AddValidationRules, DisableIntrospection), each with its own hooks entered and left on
every request, and ValidationCache keys its cache on the parsed document, whose hash walks the whole tree.
:class:`PreparedDocuments` does the same work with two hooks and one bounded cache keyed by the document's
text: the first request with a text parses it (under the token limit) and validates it (graphql-core's rules,
depth, aliases and, where introspection is off, no introspection); every later request with that text reuses
both the document and the verdict. The verdict of a document depends only on the schema and the rules, which
are fixed when the schema is built, so nothing that varies per request is cached. A text that does not parse
is not cached: it is refused again each time, as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAXSIZE = 512  # documents kept (the stock caches kept 512 each)


@dataclass
class Prepared:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None until validated


class DocumentCache:
    """Documents by their text, least recently used dropped first (at most ``maxsize``)."""

    def __init__(self, max_tokens: int, rules: Sequence[type[ASTValidationRule]], maxsize: int = MAXSIZE) -> None:
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        self.maxsize = maxsize
        self._entries: OrderedDict[str, Prepared] = OrderedDict()

    def parsed(self, query: str) -> Prepared:
        """The document of this text (a GraphQLError for a syntax error or too many tokens, not cached)."""
        found = self._entries.get(query)
        if found is not None:
            self._entries.move_to_end(query)
            return found
        prepared = Prepared(parse(query, max_tokens=self.max_tokens))
        self._entries[query] = prepared
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return prepared


def prepared_documents(
    max_tokens: int, extra_rules: Sequence[type[ASTValidationRule]], maxsize: int = MAXSIZE
) -> Callable[[], PreparedDocuments]:
    """The extension's factory for one schema: one cache shared by every request of that schema."""
    cache = DocumentCache(max_tokens, extra_rules, maxsize)
    return lambda: PreparedDocuments(cache)


class PreparedDocuments(SchemaExtension):
    """Parse (on_parse) and validate (on_validate) through the schema's :class:`DocumentCache`."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self._prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            self._prepared = self.cache.parsed(context.query)
            context.graphql_document = self._prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        prepared = self._prepared
        if prepared is not None and prepared.document is context.graphql_document:
            if prepared.errors is None:
                rules = (*context.validation_rules, *self.cache.rules)
                prepared.errors = validate_document(context.schema._schema, prepared.document, rules)
            context.pre_execution_errors = prepared.errors
        yield
