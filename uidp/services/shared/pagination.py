"""Keyset pagination over (timestamp, id) with opaque cursors, after the Relay connection spec.

Every list that pages is ordered by a timestamp and then the row id, so a cursor is that pair and a page is one
indexed query, however deep it lies. ``first``/``after`` page forward, ``last``/``before`` backward; both cursors
may narrow one list. Whether a page lies before (or after) the returned one is exact: the extra row fetched
with the page tells it in the direction of paging, one indexed EXISTS in the other (only when a cursor was
given; without one there is nothing before the start).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from uidp.domain.errors import DomainError, ErrorCode

MAX_PAGE = 100
DEFAULT_PAGE = 20

M = TypeVar("M", bound=Model)


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "after") -> tuple[datetime, uuid.UUID]:
    """The (timestamp, id) a cursor stands for; INVALID_FORMAT on anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(ErrorCode.INVALID_FORMAT, "分页游标无效", field) from None


def page_size(first: int, field: str = "first") -> int:
    if first < 1:
        raise DomainError(ErrorCode.INVALID_FORMAT, f"{field} 须为正整数", field)
    return min(first, MAX_PAGE)


@dataclass(frozen=True)
class Window:
    """A connection's arguments: ``first``/``after`` forward, ``last``/``before`` backward (20 forward if none)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def paged(self) -> bool:
        return bool(self.after or self.before)


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    has_next_page: bool
    has_previous_page: bool


async def keyset_page(query: QuerySet[M], window: Window, *, at: str, newest_first: bool = False) -> Page[M]:
    """One page of ``query`` in (``at``, id) order, ascending or newest first, cut by ``window``."""
    if window.first is not None and window.last is not None:
        raise DomainError(ErrorCode.INVALID_FORMAT, "first 与 last 不能同时使用", "last")
    after = decode_cursor(window.after, field="after") if window.after else None
    before = decode_cursor(window.before, field="before") if window.before else None
    narrowed = query
    if after is not None:
        narrowed = narrowed.filter(_beyond(at, after, later=not newest_first))
    if before is not None:
        narrowed = narrowed.filter(_beyond(at, before, later=newest_first))
    forward = [at, "id"] if not newest_first else [f"-{at}", "-id"]
    if window.last is None:
        size = page_size(DEFAULT_PAGE if window.first is None else window.first)
        rows = await narrowed.order_by(*forward).limit(size + 1)
        earlier = after is not None and await query.filter(~_beyond(at, after, later=not newest_first)).exists()
        return Page(rows[:size], has_next_page=len(rows) > size, has_previous_page=earlier)
    size = page_size(window.last, "last")
    backward = [_flip(name) for name in forward]
    rows = await narrowed.order_by(*backward).limit(size + 1)
    later = before is not None and await query.filter(~_beyond(at, before, later=newest_first)).exists()
    return Page(list(reversed(rows[:size])), has_next_page=later, has_previous_page=len(rows) > size)


def _beyond(at: str, cursor: tuple[datetime, uuid.UUID], *, later: bool) -> Q:
    """Rows strictly later (or earlier) than the cursor in (at, id) order."""
    moment, row_id = cursor
    op = "gt" if later else "lt"
    return Q(**{f"{at}__{op}": moment}) | Q(**{at: moment, f"id__{op}": row_id})


def _flip(order: str) -> str:
    return order[1:] if order.startswith("-") else f"-{order}"
