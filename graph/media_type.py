"""The response's media type (GraphQL over HTTP): ``application/graphql-response+json`` for a client that names
it in ``Accept``, ``application/json`` for everyone else (decision 102).

With the new type, a request error (a document that does not parse or validate, variables that cannot be
coerced, an operation that cannot be found) answers HTTP 400 and its body has no ``data`` entry, so a client
can trust the status code. With ``application/json`` such errors stay 200 with ``data: null``, as legacy
clients expect. Requests the view cannot read at all are 400 under both types (``graph.request_body``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
CONTENT_TYPES = {GRAPHQL_RESPONSE_JSON: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8", JSON: JSON}


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when ``Accept`` names it with a quality at least that of
    ``application/json``; otherwise ``application/json``, also for wildcards, a missing header, or an
    ``Accept`` that names neither (the spec lets a server disregard it instead of answering 406)."""
    named: dict[str, float] = {}
    for item in (accept or "").split(","):
        media_range, *params = item.split(";")
        media_range = media_range.strip().lower()
        if media_range in CONTENT_TYPES:
            named[media_range] = max(named.get(media_range, 0.0), _quality(params))
    preferred = named.get(GRAPHQL_RESPONSE_JSON, 0.0)
    if preferred > 0 and preferred >= named.get(JSON, 0.0):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def request_media_type(request: Request) -> str:
    return response_media_type(request.headers.get("accept"))


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation was not executed: no data, and errors that name no field.

    Execution errors always carry a ``path`` (GraphQL spec, "Errors"); parse, validation and variable
    coercion errors never do. A non-null root field that failed leaves ``data: null`` with a located error:
    that is a partial response, answered 200 under either type.
    """
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors)


class MediaTypeMixin:
    """Overrides of Strawberry's ASGI view (put it before ``GraphQL`` in the bases)."""

    async def get_sub_response(self, request: Request) -> Response:
        sub_response: Response = await super().get_sub_response(request)  # type: ignore[misc]
        sub_response.media_type = request_media_type(request)
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed: GraphQLHTTPResponse = await super().process_result(request, result)  # type: ignore[misc]
        if request_media_type(request) == GRAPHQL_RESPONSE_JSON and is_request_error(result):
            processed.pop("data", None)
        return processed

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response: Response = super().create_response(response_data, sub_response)  # type: ignore[misc]
        media_type = sub_response.media_type or JSON
        response.headers["content-type"] = CONTENT_TYPES[media_type]
        unexecuted = isinstance(response_data, dict) and "data" not in response_data
        if media_type == GRAPHQL_RESPONSE_JSON and unexecuted and not sub_response.status_code:
            response.status_code = 400
        return response
