"""Keeping person login identifiers in one space (P3, P1e): refusals where identifiers are made, and backfill.

The rule itself lives in :mod:`uidp.domain.login_identifiers`; the database enforces it with the unique
``person.login_index``. The checks here give the losing side a clear answer before the insert is tried.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.login_identifiers import as_phone
from uidp.models.person import Person
from uidp.services.shared.pii import Pii

TAKEN_MESSAGE = "该证件号码与已有账号的登录账号相同，无法使用，请核对证件号码或联系客服"


@dataclass(frozen=True)
class BackfillReport:
    filled: int
    conflicting: list[uuid.UUID]  # rows left without a login index: their number names an older account

    def messages(self) -> list[str]:
        """What an operator should read after ``uidp migrate`` (ids only, no PII)."""
        found = [f"login identifiers filled in for {self.filled} persons"] if self.filled else []
        if self.conflicting:
            ids = ", ".join(str(person_id) for person_id in self.conflicting)
            found.append(
                f"{len(self.conflicting)} persons share their certificate number with an older account and "
                f"cannot log in with it until staff resolve it: {ids}"
            )
        return found


class LoginIdentifiers:
    def __init__(self, pii: Pii) -> None:
        self.pii = pii

    async def check_free(
        self, number: str, *, holder: uuid.UUID | None = None, field: str = "certificateNumber"
    ) -> None:
        """Refuse a certificate number that another account (not ``holder``) uses to log in.

        Another account's certificate number of any type, or its phone when the number reads as one.
        """
        taken = Person.filter(**self.pii.login_lookup(number).on("login_index"))
        phone = as_phone(number)
        by_phone = Person.filter(**self.pii.phone_lookup(phone).on("phone_index")) if phone else None
        if holder is not None:
            taken = taken.exclude(id=holder)
            by_phone = by_phone.exclude(id=holder) if by_phone is not None else None
        if await taken.exists() or (by_phone is not None and await by_phone.exists()):
            raise DomainError(ErrorCode.LOGIN_IDENTIFIER_TAKEN, TAKEN_MESSAGE, field)

    async def backfill(self) -> BackfillReport:
        """Give rows made before the login index theirs; the oldest account keeps a shared number."""
        filled, conflicting = 0, []
        rows = await Person.filter(login_index__isnull=True).order_by("created_at", "id")
        for person in rows:
            number = self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)
            try:
                async with in_transaction():
                    filled += await Person.filter(id=person.id, login_index__isnull=True).update(
                        login_index=self.pii.login_index(number)
                    )
            except IntegrityError:
                conflicting.append(person.id)
        return BackfillReport(filled, conflicting)
