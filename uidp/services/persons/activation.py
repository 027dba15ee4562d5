"""Pre-provisioned persons (P2): staff import, and activation by the person."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import (
    CertificateType,
    ValidityPeriod,
    normalize_certificate_number,
    parse_resident_id,
)
from uidp.domain.contact import normalize_name, normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_phone
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.runtime import Runtime
from uidp.services.auth.login_identifiers import LoginIdentifiers
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.persons.registration import RegistrationService, check_password_and_terms, check_validity
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.sms import SmsCodes, SmsPurpose

NOT_ACTIVATABLE = "该证件号码没有待激活的账号，请直接注册"


@dataclass
class PersonActivation:
    certificate_type: CertificateType
    certificate_number: str
    valid_from: date | None
    validity_period: ValidityPeriod | None
    sms_code: str
    password: str
    password_confirmation: str
    accept_terms: bool
    new_phone: str | None = None
    new_phone_code: str | None = None  # ACTIVATE_NEW_PHONE code sent to new_phone


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, message)


class ActivationService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.lookup = PersonLookup(rt)
        self.audit = Audit(rt)
        self.codes = SmsCodes(rt)

    async def provisioned(self, certificate_type: CertificateType, raw_number: str) -> tuple[Person, str]:
        """The waiting account and its certificate number, or NOT_ACTIVATABLE."""
        number = normalize_certificate_number(certificate_type, raw_number)
        person = await self.lookup.by_certificate(certificate_type, number)
        if person is None or person.status != PersonStatus.PROVISIONED or person.phone_enc is None:
            raise DomainError(ErrorCode.NOT_ACTIVATABLE, NOT_ACTIVATABLE, "certificateNumber")
        return person, number

    def phone_of(self, person: Person) -> str:
        return self.lookup.phone_of(person)

    async def activate(self, form: PersonActivation, client: ClientInfo) -> Person:
        """Set validity, optionally a new phone, and a password; the account becomes ACTIVE at level 1.

        The ACTIVATE code goes to the phone on record, so only its holder activates; a new phone needs its
        own ACTIVATE_NEW_PHONE code as well. A number with nothing to activate answers exactly like a wrong
        code (SMS_CODE_INVALID on smsCode): the page learns nothing a stranger could use.
        """
        registration = RegistrationService(self.rt)
        today = registration.today()
        number = normalize_certificate_number(form.certificate_type, form.certificate_number)
        birth_date = None
        if form.certificate_type == CertificateType.RESIDENT_ID:
            birth_date = parse_resident_id(number, today=today).birth_date
        check_validity(form.valid_from, form.validity_period, today=today, birth_date=birth_date)
        new_phone = normalize_phone(form.new_phone, "newPhone") if form.new_phone else None
        password = check_password_and_terms(
            form.password,
            form.password_confirmation,
            form.accept_terms,
            phone=new_phone or "",
            certificate_number=number,
        )
        if new_phone and not (form.new_phone_code or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入新手机号收到的短信验证码", "newPhoneCode")
        try:
            person, _ = await self.provisioned(form.certificate_type, number)
        except DomainError:
            person = None
        if person is None:
            if not (form.sms_code or "").strip():
                raise DomainError(ErrorCode.REQUIRED, "请输入短信验证码", "smsCode")
            raise DomainError(ErrorCode.SMS_CODE_INVALID, "短信验证码错误或已失效", "smsCode")
        record_phone = self.phone_of(person)
        await self.codes.check(SmsPurpose.ACTIVATE, record_phone, form.sms_code)
        if new_phone:
            await self.codes.check(SmsPurpose.ACTIVATE_NEW_PHONE, new_phone, form.new_phone_code, field="newPhoneCode")
            holder = await self.lookup.by_phone(new_phone)
            if holder is not None and holder.id != person.id:
                raise DomainError(ErrorCode.PHONE_TAKEN, "该手机号已被注册", "newPhone", appeal="PHONE_TAKEN_BY_OTHER")
        await LoginIdentifiers(self.pii).check_free(number, holder=person.id)
        phone = new_phone or record_phone
        # The rules "no phone inside the password" apply to the phone the account keeps.
        check_password_and_terms(password, password, True, phone=phone, certificate_number=number)
        password_hash = await self.rt.hasher.hash(password)
        now = self.rt.clock.now()
        try:
            async with in_transaction():
                changed = await Person.filter(id=person.id, status=PersonStatus.PROVISIONED).update(
                    status=PersonStatus.ACTIVE,
                    valid_from=form.valid_from,
                    validity_period=form.validity_period.value,
                    login_index=self.pii.login_index(number),
                    **seal_person_fields(self.pii, person.id, phone=phone),
                    updated_at=now,
                    activated_at=now,
                )
                if changed != 1:
                    raise DomainError(ErrorCode.NOT_ACTIVATABLE, NOT_ACTIVATABLE, "certificateNumber")
                await Passwords(self.rt).store_hash(SubjectKind.PERSON, person.id, password_hash)
                await self.codes.consume(SmsPurpose.ACTIVATE, record_phone, form.sms_code)
                if new_phone:
                    await self.codes.consume(
                        SmsPurpose.ACTIVATE_NEW_PHONE, new_phone, form.new_phone_code or "", field="newPhoneCode"
                    )
        except IntegrityError:
            raise DomainError(ErrorCode.PHONE_TAKEN, "该手机号已被注册", "newPhone") from None
        await self.audit.record(
            "person.activated",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            phone_changed=bool(new_phone),
            phone=mask_phone(phone),
        )
        return await Person.get(id=person.id)

    async def import_csv(self, text: str, *, actor: Principal | None = None) -> ImportReport:
        """Pre-provision persons from CSV (name, certificate_type, certificate_number, phone).

        Each row is validated and stored on its own; a bad row is reported with its line number and
        nothing of it is kept. ``certificate_type`` may be empty (resident ID).
        """
        report = ImportReport()
        today = RegistrationService(self.rt).today()
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        missing = {"name", "certificate_number", "phone"} - set(reader.fieldnames or [])
        if missing:
            report.errors.append((1, ",".join(sorted(missing)), "缺少列：" + "、".join(sorted(missing))))
            return report
        for row in reader:
            line = reader.line_num
            try:
                await self._import_row(row, today)
                report.created += 1
            except DomainError as error:
                report.errors.append((line, error.field or "", error.message))
        await self.audit.record("persons.imported", actor=actor, created=report.created, rejected=len(report.errors))
        return report

    async def _import_row(self, row: dict[str, str], today: date) -> None:
        raw_type = (row.get("certificate_type") or "RESIDENT_ID").strip().upper()
        try:
            certificate_type = CertificateType(raw_type)
        except ValueError:
            raise DomainError(
                ErrorCode.INVALID_CERTIFICATE_TYPE, f"未知证件类型：{raw_type}", "certificate_type"
            ) from None
        name = normalize_name(row.get("name") or "", "name")
        number = normalize_certificate_number(
            certificate_type, row.get("certificate_number") or "", field="certificate_number"
        )
        gender = None
        if certificate_type == CertificateType.RESIDENT_ID:
            gender = parse_resident_id(number, today=today, field="certificate_number").gender.value
        phone = normalize_phone(row.get("phone") or "", "phone")
        await LoginIdentifiers(self.pii).check_free(number, field="certificate_number")
        now, person_id = self.rt.clock.now(), uuid.uuid4()
        try:
            async with in_transaction():
                await Person.create(
                    id=person_id,
                    status=PersonStatus.PROVISIONED,
                    source=PersonSource.IMPORTED,
                    **seal_person_fields(
                        self.pii,
                        person_id,
                        certificate_type=certificate_type.value,
                        certificate_number=number,
                        name=name,
                        phone=phone,
                    ),
                    gender=gender,
                    level=1,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise DomainError(ErrorCode.CERTIFICATE_TAKEN, "证件号码或手机号已存在", "certificate_number") from None
