"""Reading a request body into a GraphQL request, refusing malformed ones with HTTP 400 and a GraphQL error.

Strawberry's own parsing answers HTTP 500 for a JSON body that is not an object (``null``, ``42``), for
invalid UTF-8, for nesting deep enough to overflow the parser, for a number longer than Python's int limit,
and for a multipart ``map`` that is not an object of path lists. Here each of those is a 400 whose body is
``{"errors": [{"message": ..., "extensions": {"code": "BAD_REQUEST"}}]}``, like every other refusal of the
view (batching, GET queries, unsupported content types). WebSocket messages go through the same decoder.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.file_uploads.utils import replace_placeholders_with_files

from graph.media_type import CONTENT_TYPES, request_media_type

MAX_JSON_DEPTH = 32  # the deepest real request (variables with nested documents) is 5
MAX_NUMBER_LENGTH = 40  # characters of one JSON number; Int is 32-bit, IDs are strings


def _number(text: str, convert: type) -> Any:
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"a number longer than {MAX_NUMBER_LENGTH} characters")
    return convert(text)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def decode_request_json(data: str | bytes) -> dict[str, Any] | list[Any]:
    """A JSON object or array from UTF-8 text; anything else raises ``json.JSONDecodeError``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        value = json.loads(
            text,
            parse_int=lambda t: _number(t, int),
            parse_float=lambda t: _number(t, float),
            parse_constant=_not_json,
        )
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError as error:
        raise json.JSONDecodeError("the body is not valid UTF-8", "", error.start) from error
    except RecursionError as error:
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "", 0) from error
    except ValueError as error:
        raise json.JSONDecodeError(str(error), "", 0) from error
    if _too_deep(value):
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "", 0)
    if not isinstance(value, dict | list):
        raise json.JSONDecodeError("a GraphQL request must be a JSON object", "", 0)
    return value


def _valid_map(files_map: Any) -> bool:
    return isinstance(files_map, dict) and all(
        isinstance(paths, list) and all(isinstance(path, str) for path in paths) for paths in files_map.values()
    )


class RequestBodyMixin:
    """Overrides of Strawberry's ASGI view (put it before ``GraphQL`` in the bases)."""

    def decode_json(self, data: str | bytes) -> object:
        return decode_request_json(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return decode_request_json(data)
        except json.JSONDecodeError as error:
            raise HTTPException(400, f"Unable to parse request body as JSON: {error.msg}") from error

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        try:
            form = await request.get_form_data()
        except ValueError as error:
            raise HTTPException(400, "Unable to parse the multipart body") from error
        parts = [form.form.get("operations", "{}"), form.form.get("map", "{}")]
        if not all(isinstance(part, str | bytes) for part in parts):
            raise HTTPException(400, "operations and map must be form fields, not files")
        operations, files_map = (self.parse_json(part) for part in parts)
        if not isinstance(operations, dict):
            raise HTTPException(400, "multipart operations must be a JSON object (batching is not enabled)")
        if not _valid_map(files_map):
            raise HTTPException(400, "multipart map must be a JSON object of lists of paths")
        try:
            return replace_placeholders_with_files(operations, files_map, form.files)
        except (KeyError, IndexError, ValueError, TypeError) as error:
            raise HTTPException(400, "File(s) missing in form data, or a map path that does not exist") from error

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        data = await super().parse_http_body(request)  # type: ignore[misc]
        if not isinstance(getattr(data, "operation_name", None), str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null.")
        return data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)  # type: ignore[attr-defined]
        except HTTPException as refusal:
            response = refusal_response(refusal.status_code, refusal.reason, request_media_type(request))
        await response(scope, receive, send)


def refusal_response(status: int, reason: str, media_type: str = "application/json") -> Response:
    """A GraphQL-shaped error body (no ``data``) for a request the view cannot execute, in the negotiated type."""
    body = {"errors": [{"message": reason, "extensions": {"code": HTTPStatus(status).name}}]}
    return Response(json.dumps(body), status_code=status, headers={"content-type": CONTENT_TYPES[media_type]})
