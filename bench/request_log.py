"""Benchmark: what the request log and the latency metric cost per request (uidp.http.request_log).

Run: ``.venv/bin/python bench/request_log.py [--count 20000]``

Times ``RequestLog._finish`` (the record's labels, the latency histogram, the masked client address and the
log record) in a loop, once with the JSON line written (to /dev/null) and once with ``UIDP_LOG_LEVEL=warning``
(the line dropped by the handler). Prints microseconds per request for both.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from uidp.http.request_log import RequestLog
from uidp.observability.logs import configure_logging
from uidp.observability.request_record import RequestRecord


def per_request(count: int) -> float:
    log = RequestLog(lambda *_: None, [])  # type: ignore[arg-type, return-value]
    scope = {"type": "http", "path": "/graphql", "method": "POST", "headers": [], "client": ("203.0.113.7", 5000)}
    record = RequestRecord("0123456789abcdef", "Probe", "LoginSuccess", None)
    started = time.perf_counter()
    for _ in range(count):
        log._finish(scope, record, 200, 0.001)
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    args = parser.parse_args()
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the lines go nowhere; their cost is what is measured
    configure_logging("info", "json")
    written = per_request(args.count)
    logging.getLogger("uidp").handlers[0].setLevel(logging.WARNING)
    dropped = per_request(args.count)
    print(f"request log: {written:.1f} us a request with the JSON line, {dropped:.1f} us without it", file=sys.stdout)


if __name__ == "__main__":
    main()
