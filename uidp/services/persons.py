"""What a person may see of their own account: masked data and the assurance level (P7, P11)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from uidp.domain.certificates import CertificateType, ValidityPeriod, certificate_valid_until
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_id_number, mask_name, mask_phone
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.pii import Pii


@dataclass(frozen=True)
class PersonView:
    id: uuid.UUID
    status: str
    level: AssuranceLevel
    certificate_type: CertificateType
    masked_name: str
    masked_certificate_number: str
    masked_phone: str
    gender: str | None
    certificate_valid_until: date | None
    created_at: datetime


class PersonViews:
    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)

    def view(self, person: Person) -> PersonView:
        valid_until = None
        if person.valid_from and person.validity_period:
            valid_until = certificate_valid_until(person.valid_from, ValidityPeriod(person.validity_period))
        return PersonView(
            id=person.id,
            status=person.status.value if hasattr(person.status, "value") else str(person.status),
            level=AssuranceLevel(person.level),
            certificate_type=CertificateType(person.certificate_type),
            masked_name=mask_name(self.pii.open("person.name", person.name_enc)),
            masked_certificate_number=mask_id_number(
                self.pii.open("person.certificate_number", person.certificate_number_enc)
            ),
            masked_phone=mask_phone(self.pii.open("person.phone", person.phone_enc)),
            gender=person.gender,
            certificate_valid_until=valid_until,
            created_at=person.created_at,
        )

    async def get(self, person_id: uuid.UUID) -> PersonView | None:
        person = await Person.get_or_none(id=person_id)
        return self.view(person) if person else None
