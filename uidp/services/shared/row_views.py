"""Views of one model's rows with their sealed fields opened on demand: one view, one by id, many in one query."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from tortoise.models import Model

from uidp.runtime import Runtime
from uidp.services.shared.pii import Pii

M = TypeVar("M", bound=Model)
V = TypeVar("V")


class RowViews(Generic[M, V]):
    """``model``'s rows as ``make(row, pii)`` views (a subclass names both)."""

    model: type[M]
    make: Callable[[M, Pii], V]

    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)

    def view(self, row: M) -> V:
        return type(self).make(row, self.pii)

    async def get(self, row_id: uuid.UUID) -> V | None:
        row = await self.model.get_or_none(id=row_id)
        return self.view(row) if row else None

    async def many(self, row_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, V]:
        """The views of these rows (absent ids are left out), in one query (DataLoaders)."""
        return {row.pk: self.view(row) for row in await self.model.filter(id__in=list(set(row_ids)))}
