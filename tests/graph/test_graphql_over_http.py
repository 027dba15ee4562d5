"""GraphQL over HTTP (issue 8, part 5; decision 102): the response's media type follows Accept, and with
application/graphql-response+json a request error is HTTP 400 without a data entry."""

from __future__ import annotations

import json

import pytest

from graph.media_type import response_media_type

pytestmark = pytest.mark.anyio

NEW = "application/graphql-response+json"
NEW_CONTENT_TYPE = "application/graphql-response+json; charset=utf-8"
OLD = "application/json"

REQUEST_ERRORS = {
    "parse": {"query": "{"},
    "validation": {"query": "{ nope }"},
    "unknown operation": {"query": "query A { __typename }", "operationName": "B"},
    "variable coercion": {
        "query": "query($n: Int!) { reviewQueue(first: $n) { totalCount } }",
        "variables": {"n": "many"},
    },
    "missing variable": {"query": "query($n: Int!) { reviewQueue(first: $n) { totalCount } }"},
    "too many aliases": {"query": "{ " + " ".join(f"x{i}: __typename" for i in range(20)) + " }"},
    "too many tokens": {"query": "{ " + "__typename " * 2100 + "}"},
    "too deep": {"query": "{ me { " * 12 + "__typename" + " }" * 13},
}


async def post(client, body, accept=None):
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    return await client.post("/graphql", content=json.dumps(body), headers=headers)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (NEW, NEW),
        (f"{NEW}; charset=utf-8", NEW),
        (f"{NEW}, {OLD}", NEW),
        (f"{OLD}, {NEW}", NEW),
        (f"{OLD};q=0.9, {NEW}", NEW),
        (f"{NEW};q=0.5, {OLD}", OLD),
        (f"{NEW};q=0, */*", OLD),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", NEW),
        (OLD, OLD),
        ("*/*", OLD),
        ("application/*", OLD),
        ("text/html", OLD),
        ("", OLD),
        (None, OLD),
        (f"{NEW};q=junk", OLD),
    ],
)
def test_media_type_follows_accept(accept, expected):
    assert response_media_type(accept) == expected


async def test_success_in_the_new_media_type(client):
    response = await post(client, {"query": "{ __typename }"}, NEW)
    assert response.status_code == 200
    assert response.headers["content-type"] == NEW_CONTENT_TYPE
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
async def test_request_errors_are_400_without_data_in_the_new_media_type(client, case):
    response = await post(client, REQUEST_ERRORS[case], NEW)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == NEW_CONTENT_TYPE
    body = response.json()
    assert "data" not in body
    assert body["errors"] and all("path" not in error for error in body["errors"])


@pytest.mark.parametrize("case", sorted(set(REQUEST_ERRORS) - {"unknown operation"}))  # Strawberry: 400 anyway
@pytest.mark.parametrize("accept", [OLD, "*/*", None])
async def test_request_errors_stay_200_with_null_data_in_application_json(client, case, accept):
    response = await post(client, REQUEST_ERRORS[case], accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == OLD
    body = response.json()
    assert body["data"] is None
    assert body["errors"]


async def test_a_field_error_is_a_partial_response_200_under_both_types(client):
    """`apiTokens` is non-null: its NOT_AUTHENTICATED error nulls data, but the operation was executed."""
    for accept, content_type in ((NEW, NEW_CONTENT_TYPE), (OLD, OLD)):
        response = await post(client, {"query": "{ apiTokens { id } }"}, accept)
        assert response.status_code == 200
        assert response.headers["content-type"] == content_type
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["path"] == ["apiTokens"]
        assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_mutation_union_errors_are_data_200_in_the_new_media_type(client):
    query = "mutation { logout { __typename } }"
    response = await post(client, {"query": query}, NEW)
    assert response.status_code == 200
    assert response.headers["content-type"] == NEW_CONTENT_TYPE
    assert "data" in response.json() and response.json()["data"] is not None


@pytest.mark.parametrize(
    "body",
    [b"nonsense", b'{"query": 42}', b'{"query": "{ __typename }", "variables": [7]}', b"[]"],
)
async def test_unreadable_requests_are_400_in_the_negotiated_type(client, body):
    for accept, content_type in ((NEW, NEW_CONTENT_TYPE), (OLD, OLD)):
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json", "accept": accept}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == content_type
        payload = response.json()
        assert "data" not in payload
        assert payload["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


async def test_get_queries_are_refused_in_the_negotiated_type(client):
    response = await client.get("/graphql", params={"query": "{ __typename }"}, headers={"accept": NEW})
    assert response.status_code == 400
    assert response.headers["content-type"] == NEW_CONTENT_TYPE
    assert response.json() == {
        "errors": [{"message": "queries are not allowed when using GET", "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_multipart_requests_negotiate_too(client):
    files = {"operations": (None, json.dumps({"query": "{"})), "map": (None, "{}")}
    headers = {"x-uidp-csrf": "1", "accept": NEW}
    response = await client.post("/graphql", files=files, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == NEW_CONTENT_TYPE
    assert "data" not in response.json()
