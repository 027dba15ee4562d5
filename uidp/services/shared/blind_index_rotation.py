"""``uidp keys rotate-blind-index``: every blind index recomputed under the current key and algorithm, in batches.

Set the new ``UIDP_BLIND_INDEX_KEY`` (or ``UIDP_BLIND_INDEX_ALGORITHM``) and keep the one before in
``UIDP_BLIND_INDEX_KEY_OLD`` (``UIDP_BLIND_INDEX_ALGORITHM_OLD``) on every worker: from then on workers write the
new digest and every lookup and uniqueness check matches both (``Lookup.on``). This chore then walks every
column that holds a blind index (``INDEXED_COLUMNS``) in primary-key order, a batch at a time, recomputes each
digest from the row's sealed plaintext, and rewrites the ones that differ, each as one update conditional on the
old digest (a concurrent write wins). A row always holds the old digest or the new one, and both are matched
throughout, so no person stops being found. Nothing is checkpointed: a rerun recomputes and skips what is
current, which is how an interrupted run resumes. Two rows whose values collide once moved (only possible if a
worker without the old key wrote during the change-over) are named and kept, never merged. Partner bindings move
from their sealed subject; the few written before it was kept (migration 0012) move at their owner's next
partner login, and the report counts those.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from uidp.models.binding import ExternalBinding
from uidp.models.candidate import DelegationCandidate
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.models.review import CaseStatus, ReviewCase
from uidp.services.auth.bindings import SUBJECT_COLUMN
from uidp.services.delegation.candidates import name_index
from uidp.services.entities import entities
from uidp.services.shared.key_rotation import in_batches
from uidp.services.shared.pii import Pii
from uidp.services.staff.review import pending_source

Progress = Callable[[str], None]
# The current digest of one row's column (None: the row has no value there), from the row's own plaintext.
Fresh = Callable[[Pii, list[Any]], Awaitable[list[str | None]]]


def _each(one: Callable[[Pii, Any], str | None]) -> Fresh:
    async def fresh(pii: Pii, rows: list[Any]) -> list[str | None]:
        return [one(pii, row) for row in rows]

    return fresh


def _certificate(pii: Pii, person: Person) -> str:
    number = pii.open("person.certificate_number", person.id, person.certificate_number_enc)
    return pii.certificate_index(person.certificate_type, number)


def _login(pii: Pii, person: Person) -> str:
    return pii.login_index(pii.open("person.certificate_number", person.id, person.certificate_number_enc))


def _phone(pii: Pii, person: Person) -> str | None:
    return pii.phone_index(pii.open("person.phone", person.id, person.phone_enc)) if person.phone_enc else None


def _credit_code(pii: Pii, entity: Entity) -> str:
    return entities.credit_code_index(pii, pii.open(entities.CREDIT_CODE, entity.id, entity.credit_code_enc))


def _contact_phone(pii: Pii, entity: Entity) -> str:
    return pii.phone_index(pii.open(entities.CONTACT_PHONE, entity.id, entity.contact_phone_enc))


def _binding_subject(pii: Pii, binding: ExternalBinding) -> str | None:
    """A partner binding's digest from its sealed subject; None (left to the owner's next login) without one."""
    if binding.subject_enc is None:
        return None
    return pii.digest(f"binding:{binding.provider}", pii.open(SUBJECT_COLUMN, binding.id, binding.subject_enc))


def _case_key(pii: Pii, case: ReviewCase) -> str | None:
    source = pending_source(pii, case) if case.status == CaseStatus.PENDING else None
    return pii.digest(f"case:{case.kind.value}", source) if source else None


async def _candidate_names(pii: Pii, rows: list[DelegationCandidate]) -> list[str | None]:
    """A candidate is searched by the person's name, which the person row keeps (as when it was added)."""
    persons = {p.id: p for p in await Person.filter(id__in={row.person_id for row in rows})}
    found: list[str | None] = []
    for row in rows:
        person = persons.get(row.person_id)
        found.append(name_index(pii, pii.open("person.name", person.id, person.name_enc)) if person else None)
    return found


@dataclass(frozen=True)
class IndexedColumn:
    model: type[Model]
    field: str
    fresh: Fresh

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.field}"


#: Every column that holds a blind index a chore can recompute (a test fails when a model gains another).
INDEXED_COLUMNS: tuple[IndexedColumn, ...] = (
    IndexedColumn(Person, "certificate_index", _each(_certificate)),
    IndexedColumn(Person, "login_index", _each(_login)),
    IndexedColumn(Person, "phone_index", _each(_phone)),
    IndexedColumn(Entity, "credit_code_index", _each(_credit_code)),
    IndexedColumn(Entity, "contact_phone_index", _each(_contact_phone)),
    IndexedColumn(DelegationCandidate, "name_index", _candidate_names),
    IndexedColumn(ReviewCase, "pending_key", _each(_case_key)),
    IndexedColumn(ExternalBinding, "subject_index", _each(_binding_subject)),
)
#: Blind indexes whose value a row may not keep yet (model, index column, sealed column): such a row moves when
#: the value is seen again (``Bindings.resolve``, which also seals it then); the report counts them.
MOVED_WHEN_SEEN: tuple[tuple[type[Model], str, str], ...] = ((ExternalBinding, "subject_index", "subject_enc"),)


@dataclass
class BlindIndexReport:
    """Per column: digests rewritten, rows whose new digest another row holds already (named, kept)."""

    rotating: bool
    moved: dict[str, int] = field(default_factory=dict)
    collisions: dict[str, list[str]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return not self.collisions

    def lines(self) -> list[str]:
        found = [f"{column}: {count} digests moved to the current key" for column, count in self.moved.items() if count]
        for column, rows in self.collisions.items():
            found.append(
                f"{column}: {len(rows)} rows collide with another row under the current key and were kept "
                f"(rows {', '.join(rows[:10])}); staff must resolve them before the old key goes"
            )
        for column, count in self.waiting.items():
            if count and self.rotating:
                found.append(
                    f"{column}: {count} rows, each moved at its owner's next partner login (a digest does not "
                    "say its key); dropping the old key means owners not seen since the rotation bind again"
                )
        if not found:
            found = ["every blind index is under the current key"]
        if self.rotating and self.done:
            found.append("remove UIDP_BLIND_INDEX_KEY_OLD / UIDP_BLIND_INDEX_ALGORITHM_OLD and restart the workers")
        return found


class BlindIndexRotation:
    """Recomputes every blind index under ``pii``'s current key, ``batch`` rows per query."""

    def __init__(self, pii: Pii, *, batch: int = 500, progress: Progress | None = None) -> None:
        self.pii = pii
        self.batch = batch
        self.progress = progress or (lambda _line: None)

    async def run(self) -> BlindIndexReport:
        report = BlindIndexReport(rotating=self.pii.blind.rotating)
        for column in INDEXED_COLUMNS:
            await self._column(report, column)
        for model, name, sealed in MOVED_WHEN_SEEN:
            report.waiting[f"{model._meta.db_table}.{name}"] = await model.filter(**{f"{sealed}__isnull": True}).count()
        return report

    async def _column(self, report: BlindIndexReport, column: IndexedColumn) -> None:
        moved = 0
        async for rows in in_batches(column.model, column.field, self.batch):
            fresh = await column.fresh(self.pii, rows)
            async with in_transaction():  # one commit a batch; an interrupted batch leaves its rows as they were
                for row, digest in zip(rows, fresh, strict=True):
                    moved += await self._row(report, column, row, digest)
            self.progress(f"{column.label}: {moved} moved so far")
        report.moved[column.label] = moved

    async def _row(self, report: BlindIndexReport, column: IndexedColumn, row: Any, digest: str | None) -> int:
        model, name, pk = column.model, column.field, column.model._meta.pk_attr
        stored = getattr(row, name)
        if digest is None or digest == stored:
            return 0
        row_id: uuid.UUID = getattr(row, pk)
        try:
            async with in_transaction():  # a savepoint: a collision undoes this row only
                return await model.filter(**{pk: row_id, name: stored}).update(**{name: digest})
        except IntegrityError:
            report.collisions.setdefault(column.label, []).append(str(row_id))
            return 0
