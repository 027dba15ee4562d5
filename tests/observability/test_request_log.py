"""One JSON line per HTTP request: request id in and out, operation, result or error code, masked client."""

from __future__ import annotations

import json
import logging
import os

import pytest

from tests.support import LOGIN
from uidp.observability.logs import JsonFormatter, TextFormatter

pytestmark = pytest.mark.anyio


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "uidp.request"]


async def test_a_request_is_one_line_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="uidp")
    variables = {"i": {"identifier": "15012340058", "password": "Wrong#2026pw"}}
    response = await client.post(
        "/graphql",
        json={"query": "mutation SignIn" + LOGIN.strip().removeprefix("mutation"), "variables": variables},
        headers={"x-request-id": "req-2026-abcdef"},
    )
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-2026-abcdef"
    (record,) = request_lines(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-2026-abcdef" and line["message"] == "request"
    assert line["operation"] == "SignIn" and line["result"] == "LoginFailed"
    assert line["error_code"] == "INVALID_CREDENTIALS" and line["status"] == 200
    assert line["client"] == "203.0.113.*" and line["worker"] == os.getpid() and line["duration_ms"] > 0
    assert "15012340058" not in json.dumps(line) and "Wrong#2026pw" not in json.dumps(line)


@pytest.mark.parametrize("given", ["short", "x" * 65, "bad id", "ид-12345678", None])
async def test_an_unusable_request_id_is_replaced(client, caplog, given):
    caplog.set_level(logging.INFO, logger="uidp")
    headers = {"x-request-id": given.encode("utf-8")} if given else {}
    response = await client.post("/graphql", json={"query": "{ loginMethods { id } }"}, headers=headers)
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    (record,) = request_lines(caplog)
    assert record.fields["request_id"] == request_id and record.fields["result"] == "ok"


async def test_top_level_errors_and_other_routes(client, caplog):
    caplog.set_level(logging.DEBUG, logger="uidp")
    await client.post("/graphql", json={"query": "{ nosuchfield }"})
    await client.get("/health")
    await client.post("/graphql", content=b"x" * 10, headers={"content-length": str(10**9)})
    invalid, health, too_large = (record.fields for record in request_lines(caplog))
    assert invalid["result"] == "error" and invalid["error_code"] == "INVALID_DOCUMENT"
    assert health["route"] == "/health" and health["operation"] is None
    assert [r.levelno for r in request_lines(caplog)] == [logging.INFO, logging.DEBUG, logging.INFO]
    assert too_large["status"] == 413


def test_the_text_format_and_the_level_setting(make_settings):
    from uidp.app import create_app

    create_app(make_settings(log_format="text", log_level="warning"))
    handler = next(h for h in logging.getLogger("uidp").handlers if type(h).__name__ == "_Stderr")
    assert isinstance(handler.formatter, TextFormatter) and handler.level == logging.WARNING
    record = logging.LogRecord("uidp.request", logging.INFO, __file__, 1, "request", (), None)
    record.fields = {"request_id": "r1", "status": 200}
    assert handler.formatter.format(record).endswith("uidp.request request request_id=r1 status=200")
    create_app(make_settings())
    handlers = [h for h in logging.getLogger("uidp").handlers if type(h).__name__ == "_Stderr"]
    assert len(handlers) == 1 and handlers[0].level == logging.INFO
