"""What one HTTP request did, filled in as it runs and read by the request log and the latency metric."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from starlette.types import Scope

SCOPE_KEY = "uidp.request"
REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")


@dataclass
class RequestRecord:
    """The request's id, and what GraphQL made of it: operation name, result type, error code."""

    request_id: str
    operation: str | None = None
    result: str | None = None
    error_code: str | None = None


def new_record(scope: Scope) -> RequestRecord:
    """A record with the caller's X-Request-ID when it is a plain token (8-64 safe characters), else a new id."""
    given = next((value for name, value in scope.get("headers", []) if name == REQUEST_ID_HEADER), b"")
    request_id = given.decode("ascii") if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    record = RequestRecord(request_id)
    scope[SCOPE_KEY] = record
    return record


def record_of(scope: Scope) -> RequestRecord | None:
    """The record the request middleware made for this request (None outside it, e.g. a WebSocket)."""
    found = scope.get(SCOPE_KEY)
    return found if isinstance(found, RequestRecord) else None
