"""Security events: what the audit log records and ``on_event`` observers receive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """One security event. ``details`` carries masked values only (never secrets or raw PII)."""

    type: str
    outcome: str
    at: datetime
    actor_kind: str | None = None
    actor_id: str | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    client_address: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
