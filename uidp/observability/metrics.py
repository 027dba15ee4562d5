"""The Prometheus metrics uidp exports, and how a scrape collects them (one worker or several).

Every metric is defined here, once. Labels take values from closed sets only (event types, methods, purposes,
error codes, schema type names, verifier kinds) or from :func:`bounded`, so no caller can grow the series
without limit, and no label ever carries PII. With several workers ``uidp serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` before they start; each worker then writes its values to files there and any
scrape sums them (:func:`exposition`).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable

from asyncpg import InterfaceError, PostgresError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from redis.exceptions import RedisError
from tortoise.exceptions import BaseORMException

from uidp.events import Event, EventType

__all__ = ["CONTENT_TYPE_LATEST", "bounded", "count_backend_error", "count_event", "exposition"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Request latency: from the first byte the app sees to the last it sends (seconds).
REQUEST_SECONDS = Histogram(
    "uidp_request_duration_seconds",
    "HTTP request latency by GraphQL operation name (or route) and result type",
    ["operation", "result"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge(
    "uidp_http_requests_in_flight",
    "HTTP requests being handled now (summed over live workers)",
    multiprocess_mode="livesum",
)
LOGINS = Counter("uidp_logins_total", "Login attempts by login method and outcome", ["channel", "outcome"])
LOCKOUTS = Counter("uidp_lockouts_total", "Accounts locked after repeated failed proofs")
SMS_CODES = Counter("uidp_sms_codes_total", "SMS codes by purpose and outcome (sent / refused)", ["purpose", "outcome"])
HASH_WAIT = Histogram(
    "uidp_password_hash_wait_seconds",
    "Time a password hash or check waited for a hashing thread",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
HASH_QUEUE = Gauge(
    "uidp_password_hash_queue_depth",
    "Password hashes and checks waiting for a hashing thread",
    multiprocess_mode="livesum",
)
VERIFIER_CALLS = Histogram(
    "uidp_verifier_call_duration_seconds",
    "Calls to verifiers (SMS gateway, bank card, business registry) by kind, call and outcome",
    ["kind", "call", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REVIEW_PENDING = Gauge(
    "uidp_review_cases_pending", "Review cases waiting for staff, by kind", ["kind"], multiprocess_mode="mostrecent"
)
REVIEW_OVERDUE = Gauge(
    "uidp_review_cases_overdue",
    "Pending review cases past their due time, by kind",
    ["kind"],
    multiprocess_mode="mostrecent",
)
BACKEND_ERRORS = Counter(
    "uidp_backend_errors_total", "Failed calls to the database or the store seen by requests", ["backend"]
)

_LOGIN_OUTCOMES = {
    EventType.LOGIN_SUCCEEDED: "succeeded",
    EventType.LOGIN_FAILED: "failed",
    EventType.LOGIN_REFUSED: "refused",
    EventType.LOGIN_BINDING_REQUIRED: "binding_required",
}
_SMS_OUTCOMES = {EventType.SMS_CODE_SENT: "sent", EventType.SMS_CODE_REFUSED: "refused"}
_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}")


def count_event(event: Event) -> None:
    """Count one audit event (the audit service calls this for every event it records)."""
    if event.type in _LOGIN_OUTCOMES:
        channel = bounded("channel", str(event.details.get("method") or "unknown"))
        LOGINS.labels(channel=channel, outcome=_LOGIN_OUTCOMES[EventType(event.type)]).inc()
    elif event.type == EventType.ACCOUNT_LOCKED:
        LOCKOUTS.inc()
    elif event.type in _SMS_OUTCOMES:
        purpose = bounded("purpose", str(event.details.get("purpose") or "unknown"))
        SMS_CODES.labels(purpose=purpose, outcome=_SMS_OUTCOMES[EventType(event.type)]).inc()


def count_backend_error(error: BaseException | None) -> None:
    """Count ``error`` when it is a database or store failure (request code calls this for unhandled errors)."""
    if isinstance(error, BaseORMException | PostgresError | InterfaceError | sqlite3.Error):
        BACKEND_ERRORS.labels(backend="database").inc()
    elif isinstance(error, RedisError | ConnectionError):
        BACKEND_ERRORS.labels(backend="store").inc()


class _Bounded:
    """At most ``limit`` distinct values per label in this process; later new ones are counted as ``other``.

    Operation names come from the caller; a flood of invented names must not become a flood of series.
    """

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.seen: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    def __call__(self, label: str, value: str) -> str:
        if not _LABEL.fullmatch(value):
            return "invalid"
        with self.lock:
            values = self.seen.setdefault(label, set())
            if value in values:
                return value
            if len(values) >= self.limit:
                return "other"
            values.add(value)
            return value


bounded = _Bounded()


def set_review_queue(pending: Iterable[tuple[str, int]], overdue: Iterable[tuple[str, int]]) -> None:
    """Publish the review queue's size (a chore computes it; every kind is set, zeros too)."""
    for kind, count in pending:
        REVIEW_PENDING.labels(kind=kind).set(count)
    for kind, count in overdue:
        REVIEW_OVERDUE.labels(kind=kind).set(count)


def scrape_registry() -> CollectorRegistry:
    """This process's registry, or in multi-process mode one that sums every worker's files at each scrape."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition() -> bytes:
    """The text a scrape answers: this process's metrics, or every worker's summed in multi-process mode."""
    return generate_latest(scrape_registry())
