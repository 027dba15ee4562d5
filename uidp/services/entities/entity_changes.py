"""Changing an entity's contact (E7, manual §2.5.1) and its legal information (E8, manual §2.5.2).

E7 has two steps bound by a short-lived ticket. Step 1 proves the right to change the contact either with
the entity's login password (a logged-in entity session; wrong passwords count towards the entity's login
lockout, key ``entity:<id>``) or, anonymously, with the four enterprise elements (credit code, entity name,
legal representative's name and certificate number; rate limited per client address). Step 2 sets contact
name, contact ID number and the new phone proven by an SMS code (purpose ENTITY_CONTACT_PHONE).

E8 is for a logged-in entity: the new name, type and legal representative are checked with the business
registry (which never tells the platform about changes by itself, see docs FAQ 3.4) and applied at once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import names_match, normalize_name, normalize_phone
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.delegation import EndReason
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_credit_code, mask_id_number, mask_name, mask_phone
from uidp.models.entity import Entity, EntityStatus, EntityType
from uidp.models.person import Person, PersonStatus
from uidp.ports import RegistryRecord
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.login_window import ENTITY_WINDOW_METHOD, window_ends_at
from uidp.services.delegation.cascade import Cascade
from uidp.services.entities.entities import EntityLookup, mask_entity_name
from uidp.services.entities.entity_records import open_entity, seal_entity_fields
from uidp.services.entities.entity_registration import REPRESENTATIVE_TYPES, normalize_entity_name
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal, refuse_agent
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.step_tickets import StepTickets

log = logging.getLogger("uidp.entities")
TICKET_SECONDS = 15 * 60
ELEMENT_TRIES_PER_HOUR = 10  # per client address: the four elements are partly public, so guessing is capped
CONTACT_CHANGES_PER_HOUR = 30  # per client address
LEGAL_CHANGES_PER_HOUR = 30  # per client address
TICKET_INVALID = "身份验证已失效，请重新验证"
ELEMENTS_MISMATCH = "企业信息与账号登记信息不一致，请核对统一社会信用代码、名称及法定代表人信息"


@dataclass(frozen=True)
class ContactChangeTicket:
    ticket: str
    expires_at: datetime
    masked_entity_name: str
    masked_contact_name: str
    masked_contact_phone: str


@dataclass(frozen=True)
class NewContact:
    contact_name: str
    contact_certificate_number: str
    contact_phone: str
    sms_code: str


@dataclass(frozen=True)
class LegalInformation:
    """E8's form: the entity's information as the business registry now holds it."""

    entity_type: EntityType
    entity_name: str
    representative_name: str
    representative_certificate_number: str
    representative_certificate_type: CertificateType = CertificateType.RESIDENT_ID


class EntityChanges:
    """E7 and E8. ``ticket_seconds`` may be shortened in tests."""

    def __init__(self, rt: Runtime, *, ticket_seconds: int = TICKET_SECONDS) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)
        self.codes = SmsCodes(rt)
        self.ticket_seconds = ticket_seconds
        self.tickets = StepTickets(rt, "entity-contact", seconds=ticket_seconds, invalid=TICKET_INVALID)

    # ---- E7 step 1 ----------------------------------------------------------------------------------------

    async def verify_by_password(
        self, principal: Principal, password: str | None, client: ClientInfo
    ) -> ContactChangeTicket:
        """E7 (a): the logged-in entity's login password. Errors: FORBIDDEN (not an entity), WRONG_PASSWORD.

        Within the 10 minutes after an electronic business licence login, that session may leave the
        password out (FAQ 3.2, ``login_window.py``): the ticket is then the licence login's.
        """
        entity = await acting_entity(principal)
        if not password and await self.licence_window_ends_at(principal) is not None:
            return await self._ticket(entity, ENTITY_WINDOW_METHOD, client)
        if not password:
            raise DomainError(ErrorCode.REQUIRED, "请输入登录密码", "password")
        password_hash = await Passwords(self.rt).hash_of(SubjectKind.ENTITY, entity.id)
        ok, just_locked = await LoginThrottle(self.rt).check_password(
            f"entity:{entity.id}", client, password, password_hash
        )
        if not ok:
            await self._refused("entity.contact_change_refused", client, entity.id, reason="wrong_password")
            if just_locked:
                await self.audit.record(
                    "account.locked", outcome="failure", subject=(SubjectKind.ENTITY, entity.id), client=client
                )
            raise DomainError(ErrorCode.WRONG_PASSWORD, "登录密码错误", "password")
        return await self._ticket(entity, "password", client)

    async def licence_window_ends_at(self, principal: Principal) -> datetime | None:
        """When this entity session's window to change the contact without the password closes (or None)."""
        if principal.kind != SubjectKind.ENTITY:
            return None
        return await window_ends_at(self.rt, principal, ENTITY_WINDOW_METHOD)

    async def verify_by_elements(
        self,
        credit_code: str,
        entity_name: str,
        representative_name: str,
        representative_certificate_number: str,
        client: ClientInfo,
    ) -> ContactChangeTicket:
        """E7 (b): the four enterprise elements must equal the account's record. Errors: ENTITY_ELEMENTS_MISMATCH."""
        code = normalize_credit_code(credit_code)
        name = normalize_entity_name(entity_name)
        rep_name = normalize_name(representative_name or "", "representativeName")
        rep_number = "".join((representative_certificate_number or "").split()).upper()
        if not rep_number:
            raise DomainError(ErrorCode.REQUIRED, "请输入法定代表人/负责人证件号码", "representativeCertificateNumber")
        await limit_per_client(self.rt, "entity-elements", client, per_hour=ELEMENT_TRIES_PER_HOUR)
        entity = await EntityLookup(self.rt).by_credit_code(code)
        matches = False
        if entity is not None and entity.status == EntityStatus.ACTIVE:
            representative = await Person.get_or_none(id=entity.representative_id)
            matches = (
                representative is not None
                and open_entity(self.pii, entity).name == name
                and self.pii.open("person.name", representative.id, representative.name_enc) == rep_name
                and self.pii.open("person.certificate_number", representative.id, representative.certificate_number_enc)
                == rep_number
            )
        if not matches:
            # One answer for every difference, an unknown code included: the form must not tell which element.
            await self._refused(
                "entity.contact_change_refused",
                client,
                entity.id if entity else None,
                reason="elements_mismatch",
                credit_code=mask_credit_code(code),
            )
            raise DomainError(ErrorCode.ENTITY_ELEMENTS_MISMATCH, ELEMENTS_MISMATCH, None)
        assert entity is not None
        return await self._ticket(entity, "elements", client)

    # ---- E7 step 2 ----------------------------------------------------------------------------------------

    async def change_contact(self, ticket: str, form: NewContact, client: ClientInfo) -> Entity:
        """E7 step 2: contact name, ID number and the new phone with its code; consumes ticket and code."""
        await limit_per_client(self.rt, "entity-contact", client, per_hour=CONTACT_CHANGES_PER_HOUR)
        found = await self.tickets.read(ticket)
        entity = await Entity.get_or_none(id=uuid.UUID(found.data["entity"]))
        if entity is None or entity.status != EntityStatus.ACTIVE:
            raise DomainError(ErrorCode.STEP_INVALID, TICKET_INVALID, "ticket")
        contact_name = normalize_name(form.contact_name or "", "contactName")
        contact_number = normalize_certificate_number(
            CertificateType.RESIDENT_ID, form.contact_certificate_number or "", field="contactCertificateNumber"
        )
        phone = normalize_phone(form.contact_phone or "", "contactPhone")
        await self.codes.check(SmsPurpose.ENTITY_CONTACT_PHONE, phone, form.sms_code)
        before = open_entity(self.pii, entity)
        async with in_transaction():
            await Entity.filter(id=entity.id).update(
                **seal_entity_fields(
                    self.pii,
                    entity.id,
                    contact_name=contact_name,
                    contact_certificate_number=contact_number,
                    contact_phone=phone,
                ),
                updated_at=self.rt.clock.now(),
            )
            await self.codes.consume(SmsPurpose.ENTITY_CONTACT_PHONE, phone, form.sms_code)
            await self.tickets.spend(ticket)  # last: of concurrent changes with one ticket, exactly one commits
        await self.audit.record(
            "entity.contact_changed",
            subject=(SubjectKind.ENTITY, entity.id),
            client=client,
            via=found.data.get("via", ""),
            old_contact_name=mask_name(before.contact_name),
            new_contact_name=mask_name(contact_name),
            old_contact_certificate_number=mask_id_number(before.contact_certificate_number),
            new_contact_certificate_number=mask_id_number(contact_number),
            old_contact_phone=mask_phone(before.contact_phone),
            new_contact_phone=mask_phone(phone),
        )
        return await Entity.get(id=entity.id)

    # ---- E8 -----------------------------------------------------------------------------------------------

    async def change_legal_information(
        self, principal: Principal, form: LegalInformation, client: ClientInfo
    ) -> Entity:
        """E8: the registry must hold exactly the new information, ACTIVE; then name, type and representative change.

        Errors: REGISTRY_MISMATCH (field names what differs), VERIFIER_UNAVAILABLE, NOT_FOUND (the new
        representative has no real-name person account), FORBIDDEN (not an entity session).
        """
        entity = await acting_entity(principal)
        name = normalize_entity_name(form.entity_name)
        rep_name = normalize_name(form.representative_name or "", "representativeName")
        if form.representative_certificate_type not in REPRESENTATIVE_TYPES:
            raise DomainError(ErrorCode.INVALID_FORMAT, "法定代表人证件类型不支持", "representativeCertificateType")
        rep_number = normalize_certificate_number(
            form.representative_certificate_type,
            form.representative_certificate_number or "",
            field="representativeCertificateNumber",
        )
        await limit_per_client(self.rt, "entity-legal-change", client, per_hour=LEGAL_CHANGES_PER_HOUR)
        before = open_entity(self.pii, entity)
        record = await self._registry_record(entity, before.credit_code, client)
        reason = _registry_difference(record, name, form.entity_type, rep_name, rep_number)
        if reason is not None:
            what, message, field = reason
            await self._refused("entity.legal_change_refused", client, entity.id, reason=f"registry_{what}")
            raise DomainError(ErrorCode.REGISTRY_MISMATCH, message, field, reason=what)
        representative = await PersonLookup(self.rt).by_certificate(form.representative_certificate_type, rep_number)
        if (
            representative is None
            or representative.status != PersonStatus.ACTIVE
            or self.pii.open("person.name", representative.id, representative.name_enc) != rep_name
        ):
            await self._refused("entity.legal_change_refused", client, entity.id, reason="no_representative_account")
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "新的法定代表人尚未注册个人实名账号，请先注册个人账号",
                "representativeCertificateNumber",
            )
        old_rep = await Person.get_or_none(id=entity.representative_id)
        async with in_transaction():
            changed = await Entity.filter(id=entity.id, status=EntityStatus.ACTIVE).update(
                **seal_entity_fields(self.pii, entity.id, name=name),
                entity_type=form.entity_type,
                representative_id=representative.id,
                updated_at=self.rt.clock.now(),
            )
            if changed != 1:
                raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
            ended = None
            if representative.id != entity.representative_id:
                # A new representative has not given the old one's delegations (E9): every grant ends.
                ended = await Cascade(self.rt).end_all_of_entity(
                    entity.id, EndReason.REPRESENTATIVE_CHANGED, actor=(SubjectKind.ENTITY, entity.id)
                )
        if ended is not None:
            await ended.announce(self.rt)
        await self.audit.record(
            "entity.legal_information_changed",
            actor=principal,
            subject=(SubjectKind.ENTITY, entity.id),
            client=client,
            old_name=mask_entity_name(before.name),
            new_name=mask_entity_name(name),
            old_entity_type=str(entity.entity_type),
            new_entity_type=form.entity_type.value,
            old_representative_name=mask_name(self.pii.open("person.name", old_rep.id, old_rep.name_enc))
            if old_rep
            else "",
            new_representative_name=mask_name(rep_name),
            representative_changed=representative.id != entity.representative_id,
            grants_ended=len(ended.grants) if ended else 0,
        )
        return await Entity.get(id=entity.id)

    # ---- helpers ------------------------------------------------------------------------------------------

    async def _registry_record(self, entity: Entity, code: str, client: ClientInfo) -> RegistryRecord | None:
        registry = self.rt.plugins.business_registry()
        if registry is None:
            raise _unavailable()
        try:
            return await registry.lookup(code)
        except Exception as error:
            log.warning("business registry %s failed: %s", registry.id, type(error).__name__)
            await self._refused("entity.legal_change_refused", client, entity.id, reason="registry_unavailable")
            raise _unavailable() from None

    async def _ticket(self, entity: Entity, via: str, client: ClientInfo) -> ContactChangeTicket:
        issued = await self.tickets.issue({"entity": str(entity.id), "via": via})
        plain = open_entity(self.pii, entity)
        await self.audit.record(
            "entity.contact_change_verified", subject=(SubjectKind.ENTITY, entity.id), client=client, via=via
        )
        return ContactChangeTicket(
            ticket=issued.token,
            expires_at=issued.expires_at,
            masked_entity_name=mask_entity_name(plain.name),
            masked_contact_name=mask_name(plain.contact_name),
            masked_contact_phone=mask_phone(plain.contact_phone),
        )

    async def _refused(
        self, event: str, client: ClientInfo, entity_id: uuid.UUID | None, *, reason: str, **details: str
    ) -> None:
        subject = (SubjectKind.ENTITY, entity_id) if entity_id else None
        await self.audit.record(event, outcome="failure", subject=subject, client=client, reason=reason, **details)


async def acting_entity(principal: Principal) -> Entity:
    """The entity of an entity session; any other caller is FORBIDDEN, a proxy session AGENT_FORBIDDEN."""
    if principal.kind != SubjectKind.ENTITY:
        raise DomainError(ErrorCode.FORBIDDEN, "请使用法人账号登录")
    refuse_agent(principal)
    entity = await Entity.get_or_none(id=principal.id)
    if entity is None or entity.status != EntityStatus.ACTIVE:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
    return entity


def _registry_difference(
    record: RegistryRecord | None, name: str, entity_type: EntityType, rep_name: str, rep_number: str
) -> tuple[str, str, str | None] | None:
    """What differs between the registry and the form (first difference), or None."""
    if record is None:
        return ("unknown_code", "工商登记中未查询到本企业的统一社会信用代码", None)
    if record.status != "ACTIVE":
        return ("not_active", "本企业在工商登记中已吊销或注销，不能变更法人信息", None)
    if normalize_entity_name(record.name) != name:
        return ("name", "企业/机构名称与工商登记信息不一致", "entityName")
    if record.entity_type != entity_type.value:
        return ("entity_type", "法人类型与工商登记信息不一致", "entityType")
    if not names_match(record.representative_name, rep_name):
        return ("representative", "法定代表人姓名与工商登记信息不一致", "representativeName")
    if "".join(record.representative_certificate_number.split()).upper() != rep_number:
        return ("representative", "法定代表人证件号码与工商登记信息不一致", "representativeCertificateNumber")
    return None


def _unavailable() -> DomainError:
    return DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "工商登记核验服务暂不可用，请稍后再试")
