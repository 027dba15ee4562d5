"""``uidp keys rotate-pii``: every sealed value re-encrypted under the active PII key, in batches, resumable.

Put the new key first in ``UIDP_PII_KEYS`` and keep the old ones: from then on workers seal with the new key
and open with any listed key, so the rotation needs no downtime. This chore then walks every sealed column
(``SEALED_COLUMNS`` and the uploads) in primary-key order, a batch at a time, and rewrites each value whose
header names another key. Each batch is one transaction, and each row in it one update conditional on its old
value: a row holds either the old token or the new one, and both keys are in the keyring throughout, so no row
is ever readable by neither key; a concurrent write of a new value wins. An interrupted run simply runs again:
rows already under the active key are skipped by their header, without being opened. When it reports nothing
left, remove the old key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from uidp.models.upload import Upload
from uidp.security.cipher import CipherError, PiiCipher
from uidp.services.shared.sealed_columns import SEALED_COLUMNS

Progress = Callable[[str], None]


async def in_batches(model: type[Model], name: str, size: int) -> AsyncIterator[list[Any]]:
    """The rows whose ``name`` is set, ``size`` at a time in primary-key order (rows written meanwhile may be
    passed over: a writer uses the current key already)."""
    pk, last = model._meta.pk_attr, None
    while True:
        query = model.filter(**{f"{name}__isnull": False}).order_by(pk).limit(size)
        rows = await (query.filter(**{f"{pk}__gt": last}) if last is not None else query)
        if not rows:
            return
        yield rows
        last = getattr(rows[-1], pk)


@dataclass
class RotationReport:
    """Per column: values rewritten, values left under another key (unreadable: named, never dropped)."""

    rotated: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, list[str]] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return not self.unreadable

    def lines(self) -> list[str]:
        found = [f"{column}: {count} values re-encrypted" for column, count in self.rotated.items() if count]
        for column, rows in self.unreadable.items():
            found.append(f"{column}: {len(rows)} values open with no listed key (rows {', '.join(rows[:10])})")
        return found or ["every sealed value is under the active key"]


class PiiRotation:
    """Re-encrypts sealed columns under ``cipher``'s active key, ``batch`` rows per query."""

    def __init__(self, cipher: PiiCipher, *, batch: int = 500, progress: Progress | None = None) -> None:
        self.cipher = cipher
        self.batch = batch
        self.progress = progress or (lambda _line: None)

    async def run(self) -> RotationReport:
        report = RotationReport()
        for column in SEALED_COLUMNS:
            label = f"{column.model._meta.db_table}.{column.field}"
            await self._column(report, label, column.model, column.field, column.context, binary=False)
        await self._column(report, "upload.content_enc", Upload, "content_enc", _upload_context, binary=True)
        return report

    async def _column(
        self,
        report: RotationReport,
        label: str,
        model: type[Model],
        name: str,
        context: Callable[[Any], str],
        *,
        binary: bool,
    ) -> None:
        rotated = 0
        async for rows in in_batches(model, name, self.batch):
            async with in_transaction():  # one commit a batch; an interrupted batch leaves its rows as they were
                for row in rows:
                    rotated += await self._row(report, label, model, name, context(row), row, binary=binary)
            self.progress(f"{label}: {rotated} re-encrypted so far")
        report.rotated[label] = rotated

    async def _row(
        self, report: RotationReport, label: str, model: type[Model], name: str, context: str, row: Any, *, binary: bool
    ) -> int:
        pk = model._meta.pk_attr
        row_id = getattr(row, pk)
        stored = getattr(row, name)
        token = bytes(stored).decode() if binary else stored
        try:
            if not self.cipher.needs_rotation(token) or token.startswith("v1."):
                return 0  # current, or column-bound v1 (``uidp migrate`` binds those first)
            plain = self.cipher.decrypt(token, context=context, row=str(row_id))
            fresh = self.cipher.encrypt(plain, context=context, row=str(row_id))
        except CipherError:
            report.unreadable.setdefault(label, []).append(str(row_id))
            return 0
        value: Any = fresh.encode() if binary else fresh
        if binary:  # a binary column cannot be compared in a filter: the row id alone, uploads never change
            return await model.filter(**{pk: row_id}).update(**{name: value})
        return await model.filter(**{pk: row_id, name: token}).update(**{name: value})


def _upload_context(upload: Upload) -> str:
    return f"upload:{upload.id}"
