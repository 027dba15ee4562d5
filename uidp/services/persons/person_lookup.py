"""Finding persons by what people type: a phone, an ID number or another certificate number."""

from __future__ import annotations

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.login_identifiers import as_phone
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import Principal


class PersonLookup:
    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)

    async def by_identifier(self, identifier: str) -> Person | None:
        """The one account a login identifier names: a phone-shaped string by phone only, else by certificate.

        Certificate numbers share one unique login index across types, so no identifier can name two accounts.
        """
        phone = as_phone(identifier)
        if phone is not None:
            return await self.by_phone(phone)
        return await Person.get_or_none(**self.pii.login_lookup(identifier).on("login_index"))

    async def by_certificate(self, certificate_type: CertificateType, number: str) -> Person | None:
        held = self.pii.certificate_lookup(certificate_type.value, number)
        return await Person.get_or_none(**held.on("certificate_index"))

    async def by_phone(self, phone: str) -> Person | None:
        return await Person.get_or_none(**self.pii.phone_lookup(phone).on("phone_index"))

    async def by_id(self, person_id: object) -> Person | None:
        return await Person.get_or_none(id=person_id)

    async def acting(self, principal: Principal, *, staff_message: str = "请使用个人账号登录") -> Person:
        """The acting person's row (a staff principal: FORBIDDEN; a vanished person: NOT_AUTHENTICATED)."""
        if principal.kind != SubjectKind.PERSON:
            raise DomainError(ErrorCode.FORBIDDEN, staff_message)
        person = await Person.get_or_none(id=principal.id)
        if person is None:
            raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
        return person

    def phone_of(self, person: Person) -> str:
        """The person's phone in clear (to send a code); callers never show it unmasked."""
        return self.pii.open("person.phone", person.id, person.phone_enc)
