"""Registering a legal person (E1, manual §2.1) in two steps bound by a representative ticket.

Step 1: the legal representative proves their real-name person account: phone, SMS code (purpose
ENTITY_REGISTER; the captcha was spent when the code was requested) and that person's password. A wrong
password counts against the person's login lockout. The answer is a short-lived ticket.

Step 2: the entity's own data. The business registry (verifier kind ``business_registry``) must know the
credit code as ACTIVE, with the same name, type and legal representative (name and certificate number of
the person proven in step 1). The entity starts at level 2 (中级).
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import names_match, normalize_name, normalize_phone
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_credit_code, mask_id_number, mask_name, mask_phone
from uidp.models.entity import Entity, EntityStatus, EntityType
from uidp.models.person import Person, PersonStatus
from uidp.ports import RegistryRecord
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.entities.entities import EntityLookup
from uidp.services.entities.entity_records import seal_entity_fields
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.registration import check_password_and_terms
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.step_tickets import StepTickets

log = logging.getLogger("uidp.entities")
TICKET_SECONDS = 15 * 60
ATTEMPTS_PER_HOUR = 30  # per client address and step
REPRESENTATIVE_TYPES = frozenset(
    {
        CertificateType.RESIDENT_ID,
        CertificateType.HK_MACAO_PERMIT,
        CertificateType.TAIWAN_PERMIT,
        CertificateType.HMT_RESIDENCE_PERMIT,
        CertificateType.FOREIGN_PASSPORT,
    }
)
TICKET_INVALID = "法定代表人身份验证已失效，请重新验证"
NO_ACCOUNT = "该手机号未注册个人实名账号，法定代表人请先注册个人账号"
NOT_ELIGIBLE = "法定代表人须使用已实名的个人账号（居民身份证、港澳台居民证件或外国护照）"
WRONG_PASSWORD = "个人账号登录密码错误"
_STATUS_WORDS = {"REVOKED": "已吊销", "CANCELLED": "已注销"}


@dataclass(frozen=True)
class RepresentativeProven:
    ticket: str
    expires_at: datetime
    masked_name: str
    masked_certificate_number: str


@dataclass
class EntityRegistration:
    ticket: str
    entity_name: str
    entity_type: EntityType
    credit_code: str
    contact_name: str
    contact_certificate_number: str
    contact_phone: str
    sms_code: str
    password: str
    password_confirmation: str
    accept_terms: bool


@dataclass(frozen=True)
class _Checked:
    name: str
    code: str
    contact_name: str
    contact_number: str
    contact_phone: str
    password: str


def normalize_entity_name(raw: str | None, field: str = "entityName") -> str:
    """NFC, no spaces, ASCII parentheses folded to the full-width ones registries print; 2-100 characters."""
    name = "".join(unicodedata.normalize("NFKC", raw or "").split()).replace("(", "（").replace(")", "）")
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "请输入企业/机构名称", field)
    if not 2 <= len(name) <= 100 or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise DomainError(ErrorCode.INVALID_NAME, "企业/机构名称应为2-100个字符", field)
    return name


class EntityRegistrationService:
    """The two steps of §2.1. ``ticket_seconds`` may be shortened in tests."""

    def __init__(self, rt: Runtime, *, ticket_seconds: int = TICKET_SECONDS) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)
        self.codes = SmsCodes(rt)
        self.ticket_seconds = ticket_seconds
        self.tickets = StepTickets(rt, "entity-registration", seconds=ticket_seconds, invalid=TICKET_INVALID)

    async def prove_representative(
        self, phone: str, sms_code: str, password: str, client: ClientInfo
    ) -> RepresentativeProven:
        """Step 1: phone + SMS code + the person's password -> a representative ticket.

        Errors: a malformed phone (INVALID_PHONE), a wrong code (SMS_CODE_INVALID), no person account on the
        phone (NOT_FOUND), a wrong password or a locked account (WRONG_PASSWORD, counted as a login failure),
        an account that is not an active real-name one of an allowed certificate type (FORBIDDEN).
        """
        phone = normalize_phone(phone or "")
        if not password:
            raise DomainError(ErrorCode.REQUIRED, "请输入个人账号登录密码", "password")
        await limit_per_client(self.rt, "entity-representative", client, per_hour=ATTEMPTS_PER_HOUR)
        await self.codes.check(SmsPurpose.ENTITY_REGISTER, phone, sms_code)
        person = await PersonLookup(self.rt).by_phone(phone)
        if person is None:
            await self._refused("no_person_account", client, phone=mask_phone(phone))
            raise DomainError(ErrorCode.NOT_FOUND, NO_ACCOUNT, "phone")
        await self._check_password(person, password, client)
        if person.status != PersonStatus.ACTIVE or CertificateType(person.certificate_type) not in REPRESENTATIVE_TYPES:
            await self._refused(
                "not_eligible", client, subject=(SubjectKind.PERSON, person.id), status=str(person.status)
            )
            raise DomainError(ErrorCode.FORBIDDEN, NOT_ELIGIBLE, "phone")
        await self.codes.consume(SmsPurpose.ENTITY_REGISTER, phone, sms_code)
        issued = await self.tickets.issue({"person": str(person.id)})
        name = self.pii.open("person.name", person.id, person.name_enc)
        number = self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)
        await self.audit.record(
            "entity_registration.representative_proven",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            phone=mask_phone(phone),
        )
        return RepresentativeProven(
            issued.token,
            issued.expires_at,
            mask_name(name),
            mask_id_number(number),
        )

    async def _check_password(self, person: Person, password: str, client: ClientInfo) -> None:
        password_hash = await Passwords(self.rt).hash_of(SubjectKind.PERSON, person.id)
        ok, just_locked = await LoginThrottle(self.rt).check_password(
            f"person:{person.id}", client, password, password_hash
        )
        if ok:
            return
        await self._refused("wrong_password", client, subject=(SubjectKind.PERSON, person.id))
        if just_locked:
            await self.audit.record(
                "account.locked", outcome="failure", subject=(SubjectKind.PERSON, person.id), client=client
            )
        raise DomainError(ErrorCode.WRONG_PASSWORD, WRONG_PASSWORD, "password")

    async def register(self, form: EntityRegistration, client: ClientInfo) -> Entity:
        """Step 2: create the entity (ACTIVE, level 2) with its password; consumes the ticket and the code.

        Errors, in the page's order: an unknown or expired ticket (STEP_INVALID), format rules (INVALID_NAME,
        INVALID_CREDIT_CODE, INVALID_ID_NUMBER, INVALID_PHONE, WEAK_PASSWORD, PASSWORD_MISMATCH,
        TERMS_NOT_ACCEPTED), a registered code (CREDIT_CODE_TAKEN), a wrong SMS code, an unreachable registry
        (VERIFIER_UNAVAILABLE), and a registry that disagrees (REGISTRY_MISMATCH, field names what differs).
        """
        ticket = await self.tickets.read(form.ticket)
        person = await Person.get_or_none(id=uuid.UUID(ticket.data["person"]))
        if person is None or person.status != PersonStatus.ACTIVE:
            raise DomainError(ErrorCode.STEP_INVALID, TICKET_INVALID, "ticket")
        checked = self._validate(form)
        await limit_per_client(self.rt, "entity-register", client, per_hour=ATTEMPTS_PER_HOUR)
        lookup = EntityLookup(self.rt)
        if await lookup.by_credit_code(checked.code) is not None:
            await self._refused("credit_code_taken", client, credit_code=mask_credit_code(checked.code))
            raise _taken()
        await self.codes.check(SmsPurpose.ENTITY_REGISTER, checked.contact_phone, form.sms_code)
        record = await self._registry_record(checked.code, client)
        await self._match(record, checked, form.entity_type, person, client)
        password_hash = await self.rt.hasher.hash(checked.password)
        now = self.rt.clock.now()
        entity_id = uuid.uuid4()
        try:
            async with in_transaction():
                entity = await Entity.create(
                    id=entity_id,
                    status=EntityStatus.ACTIVE,
                    entity_type=form.entity_type,
                    **seal_entity_fields(
                        self.pii,
                        entity_id,
                        credit_code=checked.code,
                        name=checked.name,
                        contact_name=checked.contact_name,
                        contact_certificate_number=checked.contact_number,
                        contact_phone=checked.contact_phone,
                    ),
                    representative_id=person.id,
                    level=2,
                    created_at=now,
                    updated_at=now,
                )
                await Passwords(self.rt).store_hash(SubjectKind.ENTITY, entity_id, password_hash)
                await self.codes.consume(SmsPurpose.ENTITY_REGISTER, checked.contact_phone, form.sms_code)
                await self.tickets.spend(form.ticket)  # last: one representative ticket registers one entity
        except IntegrityError:
            await self._refused("credit_code_taken", client, credit_code=mask_credit_code(checked.code))
            raise _taken() from None
        await self.audit.record(
            "entity.registered",
            subject=(SubjectKind.ENTITY, entity_id),
            client=client,
            entity_type=form.entity_type.value,
            credit_code=mask_credit_code(checked.code),
            representative_id=str(person.id),
            contact_phone=mask_phone(checked.contact_phone),
        )
        return entity

    def _validate(self, form: EntityRegistration) -> _Checked:
        name = normalize_entity_name(form.entity_name)
        code = normalize_credit_code(form.credit_code)
        contact_name = normalize_name(form.contact_name or "", field="contactName")
        contact_number = normalize_certificate_number(
            CertificateType.RESIDENT_ID, form.contact_certificate_number or "", field="contactCertificateNumber"
        )
        contact_phone = normalize_phone(form.contact_phone or "", field="contactPhone")
        password = check_password_and_terms(
            form.password, form.password_confirmation, form.accept_terms, phone=contact_phone, certificate_number=code
        )
        return _Checked(name, code, contact_name, contact_number, contact_phone, password)

    async def _registry_record(self, code: str, client: ClientInfo) -> RegistryRecord | None:
        registry = self.rt.plugins.business_registry()
        if registry is None:
            raise _unavailable()
        try:
            return await registry.lookup(code)
        except Exception as error:
            # The exception may quote the request; log its type only.
            log.warning("business registry %s failed: %s", registry.id, type(error).__name__)
            await self._refused("registry_unavailable", client, credit_code=mask_credit_code(code))
            raise _unavailable() from None

    async def _match(
        self,
        record: RegistryRecord | None,
        checked: _Checked,
        entity_type: EntityType,
        person: Person,
        client: ClientInfo,
    ) -> None:
        """Compare the registry's record with the form and the proven representative; first difference wins."""
        mismatch: tuple[str, str, str | None] | None = None
        if record is None:
            mismatch = ("unknown_code", "工商登记中未查询到该统一社会信用代码，请核对后重新输入", "creditCode")
        elif record.status != "ACTIVE":
            word = _STATUS_WORDS.get(record.status, "状态异常")
            mismatch = ("not_active", f"该企业/机构在工商登记中{word}，不能注册法人账号", "creditCode")
        elif normalize_entity_name(record.name) != checked.name:
            mismatch = ("name", "企业/机构名称与工商登记信息不一致", "entityName")
        elif record.entity_type != entity_type.value:
            mismatch = ("entity_type", "法人类型与工商登记信息不一致", "entityType")
        else:
            name = self.pii.open("person.name", person.id, person.name_enc)
            number = self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)
            same_name = names_match(record.representative_name, name)
            if not same_name or record.representative_certificate_number.strip().upper() != number:
                mismatch = ("representative", "法定代表人姓名或证件号码与工商登记信息不一致", None)
        if mismatch is not None:
            reason, message, field = mismatch
            await self._refused(
                f"registry_{reason}",
                client,
                subject=(SubjectKind.PERSON, person.id),
                credit_code=mask_credit_code(checked.code),
            )
            raise DomainError(ErrorCode.REGISTRY_MISMATCH, message, field, reason=reason)

    async def _refused(
        self, reason: str, client: ClientInfo, *, subject: tuple[str, uuid.UUID] | None = None, **details: str
    ) -> None:
        await self.audit.record(
            "entity_registration.refused", outcome="failure", subject=subject, client=client, reason=reason, **details
        )


def _taken() -> DomainError:
    return DomainError(
        ErrorCode.CREDIT_CODE_TAKEN, "该统一社会信用代码已注册法人账号，如有疑问可提交法人账号申诉", "creditCode"
    )


def _unavailable() -> DomainError:
    return DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "工商登记核验服务暂不可用，请稍后再试")
