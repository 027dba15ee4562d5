"""What a person may see of their own account: masked data and the assurance level (P7, P11)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property

from uidp.domain.certificates import CertificateType, ValidityPeriod, certificate_valid_until
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_id_number, mask_name, mask_phone
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.shared.pii import Pii


class PersonView:
    """A person as shown to themselves. Masked values are decrypted only when asked for."""

    def __init__(self, person: Person, pii: Pii) -> None:
        self._person = person
        self._pii = pii
        self.id: uuid.UUID = person.id
        self.status: str = str(person.status)
        self.level = AssuranceLevel(person.level)
        self.certificate_type = CertificateType(person.certificate_type)
        self.gender: str | None = person.gender
        self.created_at: datetime = person.created_at

    @cached_property
    def masked_name(self) -> str:
        return mask_name(self._pii.open("person.name", self._person.id, self._person.name_enc))

    @cached_property
    def masked_certificate_number(self) -> str:
        return mask_id_number(
            self._pii.open("person.certificate_number", self._person.id, self._person.certificate_number_enc)
        )

    @cached_property
    def masked_phone(self) -> str:
        """Empty when the phone was taken away by an appeal and a new one must be bound."""
        if self._person.phone_enc is None:
            return ""
        return mask_phone(self._pii.open("person.phone", self._person.id, self._person.phone_enc))

    @property
    def certificate_valid_until(self) -> date | None:
        person = self._person
        if person.valid_from and person.validity_period:
            return certificate_valid_until(person.valid_from, ValidityPeriod(person.validity_period))
        return None


class PersonViews:
    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)

    def view(self, person: Person) -> PersonView:
        return PersonView(person, self.pii)

    async def get(self, person_id: uuid.UUID) -> PersonView | None:
        person = await Person.get_or_none(id=person_id)
        return self.view(person) if person else None

    async def many(self, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PersonView]:
        """The views of these persons (absent ids are left out), in one query (DataLoaders)."""
        return {person.id: self.view(person) for person in await Person.filter(id__in=list(set(person_ids)))}
