"""The suite's log check finds what it looks for (it would otherwise pass on any log)."""

from __future__ import annotations

import json

from tests.log_guard import COLLECTOR, fixed_values, leaks
from tests.support import PASSWORD, resident_id


def line(**fields):
    return json.dumps({"logger": "uidp.test", "message": "m", **fields}, ensure_ascii=False)


def test_raw_values_are_found():
    token = "kqT0Xb5sVwI3f0yq7d_-abcdEFGH"
    planted = [
        line(message=f"lookup {resident_id()}"),
        line(phone="15012340058"),
        line(message="sign-in by 陈心"),
        line(detail=f"pw={PASSWORD}"),
        line(code="482913"),
        line(message=f"token {token} issued"),
    ]
    found = leaks(planted, {"482913", token}, fixed_values())
    assert len(found) == len(planted), found


def test_masked_values_and_ids_pass():
    clean = [
        line(phone="150****0058", name="陈*", certificate="4201**********121X"),
        line(request_id="0f1e2d3c4b5a69788796a5b4c3d2e1f0", duration_ms=12.5, worker=482913),
        line(subject="5b0c7c1e-8d47-4a4e-9a4f-2f1f3c9d8e7a", client="203.0.113.*"),
    ]
    assert leaks(clean, {"482913"}, fixed_values()) == []


def test_the_collector_sees_uidp_records(caplog):
    import logging

    before = len(COLLECTOR.lines)
    logging.getLogger("uidp.test").info("probe %s", "x", extra={"fields": {"k": 1}})
    assert '"k": 1' in COLLECTOR.lines[before]
