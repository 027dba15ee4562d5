"""graph.documents: each distinct document text is parsed and validated once per schema, with every limit in
its verdict; a refused document stays refused, a text that does not parse is tried again, and two schemas of
one process (dev, production) keep their own verdicts."""

from __future__ import annotations

from typing import Any

import pytest

import graph.documents as documents
from graph.documents import DocumentCache
from tests.graph.test_hardening import INTROSPECT, only_error, post, production_settings, running

pytestmark = pytest.mark.anyio


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """How often graphql-core's parser and Strawberry's validation run from now on (wrapped, not replaced)."""
    counted = {"parse": 0, "validate": 0}
    parse, validate = documents.parse, documents.validate_document

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        counted["parse"] += 1
        return parse(*args, **kwargs)

    def counting_validate(*args: Any, **kwargs: Any) -> Any:
        counted["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(documents, "parse", counting_parse)
    monkeypatch.setattr(documents, "validate_document", counting_validate)
    return counted


async def test_a_document_is_parsed_and_validated_once(client, calls):
    query = "{ registrationRules { homeProvince } }"
    for _ in range(3):
        assert (await post(client, query)).json() == {"data": {"registrationRules": {"homeProvince": "42"}}}
    assert calls == {"parse": 1, "validate": 1}


async def test_a_refused_document_stays_refused_without_validating_again(make_settings, clock, calls):
    deep = "{ registrationRules { certificateTypes { type } } }"
    async with running(make_settings(max_query_depth=1), clock) as http:
        answers = [only_error(await post(http, deep)) for _ in range(3)]
    assert answers == ["'anonymous' exceeds maximum operation depth of 1"] * 3
    assert calls == {"parse": 1, "validate": 1}


async def test_a_text_over_the_token_limit_is_refused_every_time(client, calls):
    too_long = "{ " + "__typename " * 2100 + "}"
    for _ in range(2):
        assert only_error(await post(client, too_long)).endswith("more than 2000 tokens. Parsing aborted.")
    assert calls == {"parse": 2, "validate": 0}


async def test_dev_and_production_schemas_keep_their_own_verdicts(client, make_settings, clock):
    assert "errors" not in (await post(client, INTROSPECT)).json()
    async with running(production_settings(make_settings), clock) as production:
        refused = (await post(production, INTROSPECT)).json()
        assert refused["data"] is None
        assert refused["errors"][0]["message"].startswith("GraphQL introspection has been disabled")
    assert "errors" not in (await post(client, INTROSPECT)).json()


def test_the_cache_keeps_the_most_recently_used_texts(calls):
    cache = DocumentCache(max_tokens=100, rules=[], maxsize=2)
    first = cache.parsed("{ a }")
    cache.parsed("{ b }")
    assert cache.parsed("{ a }") is first  # a hit, and now the most recent
    cache.parsed("{ c }")  # drops "{ b }"
    assert cache.parsed("{ a }") is first
    assert calls["parse"] == 3
    cache.parsed("{ b }")
    assert calls["parse"] == 4
