"""The review queue pages oldest first in both directions; hasPreviousPage is exact, not guessed from a cursor."""

from __future__ import annotations

import uuid

import pytest

from uidp.models.review import CaseKind, CaseStatus, ReviewCase
from uidp.services.shared.pagination import encode_cursor
from uidp.services.staff.review import ReviewCases

pytestmark = pytest.mark.anyio


def numbers(page):
    return [case.summary["n"] for case in page.rows], (page.has_previous_page, page.has_next_page)


def cursor(case):
    return encode_cursor(case.submitted_at, case.id)


async def test_queue_pages_forward_and_backward(rt, clock):
    for n in range(3):
        clock.advance(60)
        await ReviewCase.create(
            id=uuid.uuid4(),
            kind=CaseKind.MANUAL_REGISTRATION,
            submitted_at=clock.now(),
            due_at=clock.now(),
            notify_phone_enc="-",
            details_enc="-",
            summary={"n": n},
        )
    cases = ReviewCases(rt)
    first = await cases.queue(first=2)
    assert numbers(first) == ([0, 1], (False, True))
    assert numbers(await cases.queue(first=2, after=cursor(first.rows[-1]))) == ([2], (True, False))
    last = await cases.queue(last=2)
    assert numbers(last) == ([1, 2], (True, False))
    assert numbers(await cases.queue(last=2, before=cursor(last.rows[0]))) == ([0], (False, True))
    # The cases before the cursor are decided and leave the queue: nothing pending lies before the page now.
    await ReviewCase.filter(id__in=[case.id for case in first.rows]).update(status=CaseStatus.APPROVED)
    assert numbers(await cases.queue(first=2, after=cursor(first.rows[-1]))) == ([2], (False, False))
