"""What a person may see of their own account: masked data and the assurance level (P7, P11)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import cached_property

from uidp.domain.certificates import CertificateType, ValidityPeriod, certificate_valid_until
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_id_number, mask_name, mask_phone
from uidp.models.person import Person
from uidp.services.shared.pii import Pii
from uidp.services.shared.row_views import RowViews


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


class PersonViews(RowViews[Person, PersonView]):
    model, make = Person, PersonView
