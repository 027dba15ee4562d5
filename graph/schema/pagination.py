"""Relay-style pagination parts shared by every connection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Protocol, TypeVar

import strawberry

from uidp.services.shared.pagination import Page

First = Annotated[
    int | None, strawberry.argument(description="Page forward: this many items (default 20, at most 100).")
]
After = Annotated[str | None, strawberry.argument(description="Items after this cursor (`pageInfo.endCursor`).")]
Last = Annotated[
    int | None,
    strawberry.argument(description="Page backward: this many items from the end (at most 100); not with `first`."),
]
Before = Annotated[str | None, strawberry.argument(description="Items before this cursor (`pageInfo.startCursor`).")]


@strawberry.type(
    description="Where a page lies in its list (Relay). Page forward with `first` and `after: endCursor`, backward "
    "with `last` and `before: startCursor`; both flags are exact in either direction."
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow the last edge.")
    has_previous_page: bool = strawberry.field(description="Items come before the first edge.")
    start_cursor: str | None = strawberry.field(description="The first edge's cursor; null for an empty page.")
    end_cursor: str | None = strawberry.field(description="The last edge's cursor; null for an empty page.")

    @classmethod
    def of(cls, page: Page[Any], cursors: Sequence[str]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


class _Edge(Protocol):
    cursor: str


T = TypeVar("T")
E = TypeVar("E", bound=_Edge)
C = TypeVar("C")


def connection(
    make: Callable[..., C],
    edge: Callable[..., E],
    page: Page[Any],
    node: Callable[[T], object],
    cursor: Callable[[T], str],
    items: Iterable[T] | None = None,
) -> C:
    """The Relay connection ``make(edges=..., page_info=...)`` of ``items`` (the page's rows by default): one
    ``edge(cursor=..., node=...)`` each, and the page's PageInfo with the first and last edges' cursors."""
    edges = [edge(cursor=cursor(item), node=node(item)) for item in (page.rows if items is None else items)]
    return make(edges=edges, page_info=PageInfo.of(page, [each.cursor for each in edges]))
