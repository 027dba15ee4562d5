"""Hostile documents and requests through HTTP: depth, aliases, tokens, batching, GET, IDE, introspection,
suggestions, masked errors, body size, CSRF on multipart, security headers."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from uidp.app import create_app
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.captcha import CaptchaService

pytestmark = pytest.mark.anyio

KEY = base64.b64encode(b"production-test-key-32-bytes-ok!").decode()
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
INTROSPECT = "{ __schema { types { name } } }"


@asynccontextmanager
async def running(settings: Any, clock: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh app (for settings the shared `app` fixture does not have) with its lifespan and a client."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def production_settings(make_settings: Any) -> Any:
    """Production settings that start (sandbox allowed, three different keys, bcrypt cost 12)."""
    settings = make_settings(
        profile="production",
        allow_sandbox=True,
        pii_keys=f"k1:{KEY}",
        blind_index_key=base64.b64encode(b"blind-index-test-key-32-bytes-ok").decode(),
        password_pepper=base64.b64encode(b"password-pepper-test-32-bytes-ok").decode(),
        secret_key=KEY,
        bcrypt_rounds=12,
    )
    assert settings.is_production
    return settings


@pytest.fixture
async def production(make_settings, clock) -> AsyncIterator[httpx.AsyncClient]:
    async with running(production_settings(make_settings), clock) as http:
        yield http


async def post(http: httpx.AsyncClient, query: str, **kwargs: Any) -> httpx.Response:
    return await http.post("/graphql", json={"query": query}, **kwargs)


def only_error(response: httpx.Response) -> str:
    """The one top-level error of a refused document (nothing executed: data is null)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None, body
    assert len(body["errors"]) == 1, body
    return body["errors"][0]["message"]


# ---- document limits --------------------------------------------------------------------------


async def test_depth_over_the_limit_is_refused(make_settings, clock):
    deep = "{ registrationRules { certificateTypes { type } } }"  # depth 2 (root fields are depth 0)
    shallow = "{ registrationRules { homeProvince } }"  # depth 1
    async with running(make_settings(max_query_depth=1), clock) as http:
        refused = await post(http, deep)
        allowed = await post(http, shallow)
        mutation = await post(
            http,
            'mutation { loginWithPassword(input: {identifier: "15012340058", password: "x"}) '
            "{ ... on LoginSuccess { viewer { __typename } } } }",
        )
    assert only_error(refused) == "'anonymous' exceeds maximum operation depth of 1"
    assert allowed.json() == {"data": {"registrationRules": {"homeProvince": "42"}}}
    assert only_error(mutation) == "'anonymous' exceeds maximum operation depth of 1"


async def test_default_depth_allows_the_deepest_real_document(client):
    response = await post(client, "{ registrationRules { certificateTypes { type label } } }")
    assert "errors" not in response.json()


@pytest.mark.parametrize(
    "document",
    [
        "{ ...Missing }",
        "query Named { ...Missing }",
        "{ me { ...Missing } }",
        "{ ...Present } fragment Present on Query { ...Missing }",
    ],
)
async def test_unknown_fragment_is_a_normal_validation_error(client, document):
    response = await post(client, document)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unknown fragment 'Missing'."]
    assert "KeyError" not in response.text
    assert "Unexpected error." not in response.text


async def test_alias_limit(client):
    aliases = lambda n: "{ " + " ".join(f"a{i}: loginMethods {{ id }}" for i in range(n)) + " }"  # noqa: E731
    refused = await post(client, aliases(16))
    assert only_error(refused) == "16 aliases found. Allowed: 15"
    allowed = (await post(client, aliases(15))).json()
    assert "errors" not in allowed
    assert len(allowed["data"]) == 15


async def test_token_limit(client):
    refused = await post(client, "{ " + "__typename " * 2100 + "}")
    assert only_error(refused) == "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
    allowed = await post(client, "{ " + "__typename " * 400 + "}")
    assert allowed.json() == {"data": {"__typename": "Query"}}


# ---- transport: batching, GET, IDE ------------------------------------------------------------


async def test_batching_is_refused(client):
    response = await client.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "mutation { requestCaptcha { id } }"}]
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "Batching is not enabled", "extensions": {"code": "BAD_REQUEST"}}]
    }
    assert "Query" not in response.text


@pytest.mark.parametrize("accept", ["application/json", "*/*", "text/html"])
async def test_get_does_not_execute_queries(client, accept):
    response = await client.get("/graphql", params={"query": "{ __typename }"}, headers={"accept": accept})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"message": "queries are not allowed when using GET", "extensions": {"code": "BAD_REQUEST"}}
    ]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_simple_cross_site_posts_are_not_executed(client, content_type):
    response = await client.post(
        "/graphql", content=json.dumps({"query": "{ __typename }"}), headers={"content-type": content_type}
    )
    assert response.status_code in (400, 415)
    assert "Query" not in response.text


async def test_ide_is_served_on_dev(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_ide_is_not_served_on_production(production):
    response = await production.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()
    assert not response.headers["content-type"].startswith("text/html")


# ---- introspection and suggestions ------------------------------------------------------------


async def test_introspection_works_on_dev(client):
    body = (await post(client, INTROSPECT)).json()
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Query", "Mutation", "Error", "ErrorCode"} <= names


async def test_introspection_is_refused_on_production(production):
    response = await post(production, INTROSPECT)
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'."
    )
    assert "Mutation" not in response.text
    typename = await post(production, "{ __typename }")  # not introspection: still allowed
    assert typename.json() == {"data": {"__typename": "Query"}}


async def test_field_suggestions_on_dev_only(client, production):
    dev = only_error(await post(client, "{ loginMethod { id } }"))
    assert dev == "Cannot query field 'loginMethod' on type 'Query'. Did you mean 'loginMethods'?"
    prod_response = await post(production, "{ loginMethod { id } }")
    assert only_error(prod_response) == "Cannot query field 'loginMethod' on type 'Query'."
    assert "Did you mean" not in prod_response.text
    arg = await post(production, "{ loginMethods { idd } }")
    assert "Did you mean" not in arg.text
    assert only_error(arg) == "Cannot query field 'idd' on type 'LoginMethodInfo'."


# ---- masked errors ----------------------------------------------------------------------------


async def test_a_resolver_crash_is_masked(client, monkeypatch):
    async def crash(self: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(CaptchaService, "issue", crash)  # simulate an unexpected failure
    response = await post(client, "mutation { requestCaptcha { id } }")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert body["errors"][0]["path"] == ["requestCaptcha"]
    assert "secret detail" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text


async def test_an_unexpected_domain_error_is_masked_too(client, monkeypatch):
    async def refuse(self: Any) -> Any:
        raise DomainError(ErrorCode.REQUIRED, "内部细节", "secret_field")

    monkeypatch.setattr(CaptchaService, "issue", refuse)
    response = await post(client, "mutation { requestCaptcha { id } }")
    assert [e["message"] for e in response.json()["errors"]] == ["Unexpected error."]
    assert "内部细节" not in response.text and "secret_field" not in response.text


async def test_access_errors_keep_their_code(client):
    response = await post(client, "{ sandboxOutbox { text } }")
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "NOT_AUTHENTICATED"}
    assert error["message"] == "请先登录"


# ---- HTTP guards ------------------------------------------------------------------------------


async def test_body_over_the_limit_is_413(make_settings, clock):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b" " * 300

    async with running(make_settings(max_body_bytes=1000), clock) as http:
        padded = json.dumps({"query": "{ __typename }" + " " * 900})
        assert len(padded) < 1000
        within = await http.post("/graphql", content=padded, headers={"content-type": "application/json"})
        declared = await http.post(
            "/graphql",
            content=json.dumps({"query": "{ __typename }" + " " * 1000}),
            headers={"content-type": "application/json"},
        )
        streamed = await http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert within.json() == {"data": {"__typename": "Query"}}
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.text == "request body too large"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-length" not in streamed.request.headers  # the limit holds without a declared length


def multipart(query: str) -> dict[str, Any]:
    return {
        "data": {"operations": json.dumps({"query": query, "variables": {}}), "map": "{}"},
        "files": {"0": ("note.txt", b"hello", "text/plain")},
    }


async def test_multipart_without_the_csrf_header_is_400(client):
    refused = await client.post("/graphql", **multipart("{ __typename }"))
    assert refused.status_code == 400
    assert refused.text == "multipart requests need the X-UIDP-CSRF header"
    assert refused.headers["x-content-type-options"] == "nosniff"
    allowed = await client.post("/graphql", **multipart("{ __typename }"), headers={"x-uidp-csrf": "1"})
    assert allowed.status_code == 200
    assert allowed.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("POST", "/graphql", 200), ("GET", "/health", 200), ("GET", "/nope", 404), ("GET", "/graphql", 200)],
)
async def test_security_headers(client, method, path, status):
    kwargs: dict[str, Any] = {"json": {"query": "{ __typename }"}} if method == "POST" else {}
    response = await client.request(method, path, headers={"accept": "text/html"}, **kwargs)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
