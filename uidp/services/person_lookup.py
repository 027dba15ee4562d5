"""Finding persons by what people type: a phone, an ID number or another certificate number."""

from __future__ import annotations

import re

from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.pii import Pii
from uidp.services.principal import Principal

_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class PersonLookup:
    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)

    def identifier_indexes(self, identifier: str) -> tuple[list[str], list[str]]:
        """Phone indexes and certificate indexes an identifier could mean (formats decide, no I/O)."""
        cleaned = identifier.strip().replace(" ", "")
        phone = _PHONE.match(cleaned)
        phone_indexes = [self.pii.phone_index(phone.group(1))] if phone else []
        certificate_indexes = []
        for certificate_type in CertificateType:
            try:
                number = normalize_certificate_number(certificate_type, cleaned)
            except DomainError:
                continue
            certificate_indexes.append(self.pii.certificate_index(certificate_type.value, number))
        return phone_indexes, certificate_indexes

    async def by_identifier(self, identifier: str) -> Person | None:
        phone_indexes, certificate_indexes = self.identifier_indexes(identifier)
        if phone_indexes:
            person = await Person.get_or_none(phone_index=phone_indexes[0])
            if person is not None:
                return person
        if certificate_indexes:
            return await Person.filter(certificate_index__in=certificate_indexes).first()
        return None

    async def by_certificate(self, certificate_type: CertificateType, number: str) -> Person | None:
        return await Person.get_or_none(certificate_index=self.pii.certificate_index(certificate_type.value, number))

    async def by_phone(self, phone: str) -> Person | None:
        return await Person.get_or_none(phone_index=self.pii.phone_index(phone))

    async def by_id(self, person_id: object) -> Person | None:
        return await Person.get_or_none(id=person_id)

    async def acting(self, principal: Principal, *, staff_message: str = "请使用个人账号登录") -> Person:
        """The acting person's row (a staff principal: FORBIDDEN; a vanished person: NOT_AUTHENTICATED)."""
        if principal.kind != "person":
            raise DomainError(ErrorCode.FORBIDDEN, staff_message)
        person = await Person.get_or_none(id=principal.id)
        if person is None:
            raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
        return person

    def phone_of(self, person: Person) -> str:
        """The person's phone in clear (to send a code); callers never show it unmasked."""
        return self.pii.open("person.phone", person.phone_enc)
