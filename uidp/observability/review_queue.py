"""The review queue's size for the metrics: pending and overdue cases by kind (counted in the database)."""

from __future__ import annotations

from tortoise.functions import Count

from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.observability.metrics import set_review_queue
from uidp.runtime import Runtime


async def refresh_review_queue(rt: Runtime) -> None:
    """Recount pending and overdue review cases and publish them (every kind, zeros included)."""
    now = rt.clock.now()
    pending = await _by_kind(ReviewCase.filter(status=CaseStatus.PENDING))
    overdue = await _by_kind(ReviewCase.filter(status=CaseStatus.PENDING, due_at__lt=now))
    set_review_queue(
        ((kind.value, pending.get(kind.value, 0)) for kind in CaseKind),
        ((kind.value, overdue.get(kind.value, 0)) for kind in CaseKind),
    )


async def _by_kind(query: object) -> dict[str, int]:
    rows = await query.annotate(n=Count("id")).group_by("kind").values("kind", "n")  # type: ignore[attr-defined]
    return {str(getattr(row["kind"], "value", row["kind"])): int(row["n"]) for row in rows}
