"""Registering natural persons (P1a-P1e): validation, the out-of-province window, uniqueness."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import (
    CertificateType,
    Gender,
    RegistrationRoute,
    ValidityPeriod,
    check_birth_date,
    check_certificate_validity,
    normalize_certificate_number,
    parse_resident_id,
)
from uidp.domain.contact import normalize_name, normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_id_number, mask_name, mask_phone
from uidp.domain.password_policy import PasswordPolicy, check_password
from uidp.domain.registration_window import RegistrationWindow, check_registration_window
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.models.review import CaseKind
from uidp.models.upload import DocumentKind
from uidp.runtime import Runtime
from uidp.services.auth.login_identifiers import LoginIdentifiers
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.person_records import seal_person_fields
from uidp.services.shared.audit import Audit
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SmsCodes, SmsPurpose
from uidp.services.shared.uploads import Uploads, document_field
from uidp.services.staff.review import ReviewCases

POLICY = PasswordPolicy()
CHECKS_PER_HOUR = 30  # checkCertificate per client address: it tells a valid number from an invalid one
REQUIRED_DOCUMENTS = (DocumentKind.CERTIFICATE_FRONT, DocumentKind.CERTIFICATE_BACK, DocumentKind.SUPPORTING)


@dataclass
class PersonRegistration:
    name: str
    certificate_type: CertificateType
    certificate_number: str
    phone: str
    sms_code: str
    password: str
    password_confirmation: str
    accept_terms: bool
    valid_from: date | None = None
    validity_period: ValidityPeriod | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    documents: dict[DocumentKind, uuid.UUID] = field(default_factory=dict)


@dataclass(frozen=True)
class MaskedPerson:
    masked_name: str
    masked_certificate_number: str
    masked_phone: str


@dataclass
class _Checked:
    name: str
    number: str
    phone: str
    password: str
    gender: Gender | None
    birth_date: date | None
    region_code: str | None


def _required(value: object, message: str, field_name: str) -> None:
    if value is None or value == "":
        raise DomainError(ErrorCode.REQUIRED, message, field_name)


def check_validity(
    valid_from: date | None, period: ValidityPeriod | None, *, today: date, birth_date: date | None
) -> None:
    """The certificate validity fields of an ID card form (P1a, P2): present, started, not expired."""
    _required(valid_from, "请选择证件有效期开始时间", "validFrom")
    _required(period, "请选择证件有效期", "validityPeriod")
    assert valid_from is not None and period is not None
    check_certificate_validity(valid_from, period, today=today, birth_date=birth_date)


def check_password_and_terms(
    password: str | None, confirmation: str | None, accept_terms: bool, *, phone: str, certificate_number: str
) -> str:
    """The account fields every registration-like form ends with; returns the normalised password."""
    checked = check_password(
        password or "", confirmation or "", policy=POLICY, phone=phone, certificate_number=certificate_number
    )
    if not accept_terms:
        raise DomainError(ErrorCode.TERMS_NOT_ACCEPTED, "请阅读并同意《湖北政务服务注册协议》", "acceptTerms")
    return checked


def check_new_password(password: str | None, confirmation: str | None, *, phone: str, certificate_number: str) -> str:
    """The new password of an appeal form (``newPassword`` / ``newPasswordConfirmation``); returns it normalised."""
    return check_password(
        password or "",
        confirmation or "",
        policy=POLICY,
        phone=phone,
        certificate_number=certificate_number,
        field="newPassword",
        confirmation_field="newPasswordConfirmation",
    )


class RegistrationService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.lookup = PersonLookup(rt)
        self.audit = Audit(rt)
        self.codes = SmsCodes(rt)

    def window(self) -> RegistrationWindow:
        opens, closes = self.rt.settings.window
        return RegistrationWindow(opens=opens, closes=closes, home_province=self.rt.settings.home_province)

    def today(self) -> date:
        return self.rt.clock.now().astimezone(self.window().zone).date()

    async def masked(self, person: Person) -> MaskedPerson:
        return MaskedPerson(
            mask_name(self.pii.open("person.name", person.id, person.name_enc)),
            mask_id_number(self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)),
            mask_phone(self.pii.open("person.phone", person.id, person.phone_enc)),
        )

    async def check_certificate(self, certificate_type: CertificateType, raw_number: str, client: ClientInfo) -> None:
        """The registration page's early check of a number: its format and the registration window (P1d).

        It answers the same for free, taken and pre-provisioned numbers; whether the number has an account
        (activate instead, or appeal) is told by ``register`` once the SMS code is proven. Each client
        address may check ``CHECKS_PER_HOUR`` numbers an hour.
        """
        await limit_per_client(self.rt, "check-certificate", client, per_hour=CHECKS_PER_HOUR)
        number = normalize_certificate_number(certificate_type, raw_number)
        if certificate_type == CertificateType.RESIDENT_ID:
            resident = parse_resident_id(number, today=self.today())
            check_registration_window(self.window(), region_code=resident.region_code, now=self.rt.clock.now())

    def _validate(self, form: PersonRegistration) -> _Checked:
        """Every format rule, in the order of the page's fields; the first broken one is reported."""
        today = self.today()
        name = normalize_name(form.name or "")
        number = normalize_certificate_number(form.certificate_type, form.certificate_number or "")
        gender, birth_date, region = form.gender, form.birth_date, None
        if form.certificate_type == CertificateType.RESIDENT_ID:
            resident = parse_resident_id(number, today=today)
            gender, birth_date, region = resident.gender, resident.birth_date, resident.region_code
            check_validity(form.valid_from, form.validity_period, today=today, birth_date=birth_date)
        else:
            _required(gender, "请选择性别", "gender")
            _required(birth_date, "请选择出生年月", "birthDate")
            assert birth_date is not None
            check_birth_date(birth_date, today=today)
        phone = normalize_phone(form.phone or "")
        password = check_password_and_terms(
            form.password, form.password_confirmation, form.accept_terms, phone=phone, certificate_number=number
        )
        if form.certificate_type.registration_route == RegistrationRoute.MANUAL:
            for kind in REQUIRED_DOCUMENTS:
                if not form.documents.get(kind):
                    label = _DOCUMENT_LABELS[kind]
                    raise DomainError(ErrorCode.UPLOAD_REQUIRED, f"请上传{label}", document_field(kind))
        return _Checked(name, number, phone, password, gender, birth_date, region)

    async def register(self, form: PersonRegistration, client: ClientInfo) -> Person:
        """Create the account: ACTIVE at level 1, or PENDING_REVIEW for manual registrations (P1c)."""
        checked = self._validate(form)
        if region := checked.region_code:
            check_registration_window(self.window(), region_code=region, now=self.rt.clock.now())
        await self.codes.check(SmsPurpose.REGISTER, checked.phone, form.sms_code)
        await self._check_free(form, checked, client)
        password_hash = await self.rt.hasher.hash(checked.password)
        manual = form.certificate_type.registration_route == RegistrationRoute.MANUAL
        now = self.rt.clock.now()
        person_id = uuid.uuid4()
        try:
            async with in_transaction():
                person = await Person.create(
                    id=person_id,
                    status=PersonStatus.PENDING_REVIEW if manual else PersonStatus.ACTIVE,
                    source=PersonSource.REGISTERED,
                    **seal_person_fields(
                        self.pii,
                        person_id,
                        certificate_type=form.certificate_type.value,
                        certificate_number=checked.number,
                        name=checked.name,
                        phone=checked.phone,
                        birth_date=checked.birth_date,
                    ),
                    gender=checked.gender.value if checked.gender else None,
                    valid_from=form.valid_from,
                    validity_period=form.validity_period.value if form.validity_period else None,
                    level=1,
                    created_at=now,
                    updated_at=now,
                    activated_at=None if manual else now,
                )
                await Passwords(self.rt).store_hash(SubjectKind.PERSON, person_id, password_hash)
                if manual:
                    await Uploads(self.rt).claim(form.documents, owner=(SubjectKind.PERSON, person_id))
                    await ReviewCases(self.rt).open(
                        CaseKind.MANUAL_REGISTRATION,
                        notify_phone=checked.phone,
                        details={},
                        summary={
                            "name": mask_name(checked.name),
                            "certificateType": form.certificate_type.value,
                            "certificateNumber": mask_id_number(checked.number),
                            "phone": mask_phone(checked.phone),
                            "documents": {kind.value: str(upload) for kind, upload in form.documents.items()},
                        },
                        person_id=person_id,
                    )
                await self.codes.consume(SmsPurpose.REGISTER, checked.phone, form.sms_code)
        except IntegrityError:
            await self._check_free(form, checked, client)
            raise DomainError(ErrorCode.CERTIFICATE_TAKEN, "该证件号码已注册", "certificateNumber") from None
        await self.audit.record(
            "person.registered",
            subject=(SubjectKind.PERSON, person_id),
            client=client,
            certificate_type=form.certificate_type.value,
            status=person.status.value,
            phone=mask_phone(checked.phone),
        )
        return person

    async def _check_free(self, form: PersonRegistration, checked: _Checked, client: ClientInfo) -> None:
        """Refuse a taken certificate or phone (after the code: the answer spends it, one SMS per answer)."""
        try:
            await self._conflict(form.certificate_type, checked)
        except DomainError as conflict:
            with contextlib.suppress(DomainError):  # a concurrent request may have spent it already
                await self.codes.consume(SmsPurpose.REGISTER, checked.phone, form.sms_code)
            await self.audit.record(
                "person.registration_refused",
                outcome="failure",
                client=client,
                reason=conflict.code.value,
                certificate_type=form.certificate_type.value,
                phone=mask_phone(checked.phone),
            )
            raise

    async def _conflict(self, certificate_type: CertificateType, checked: _Checked) -> None:
        await self._certificate_conflict(certificate_type, checked)
        try:
            await LoginIdentifiers(self.pii).check_free(checked.number)
        except DomainError:
            # A concurrent registration of this very number may have committed between the two lookups:
            # then the certificate's own answer (activate or appeal) is the one the page can act on.
            await self._certificate_conflict(certificate_type, checked)
            raise
        if await self.lookup.by_phone(checked.phone) is not None:
            raise DomainError(
                ErrorCode.PHONE_TAKEN,
                "该手机号已被注册。如手机号为本人所有，可提交账号申诉",
                "phone",
                appeal="PHONE_TAKEN_BY_OTHER",
            )

    async def _certificate_conflict(self, certificate_type: CertificateType, checked: _Checked) -> None:
        existing = await self.lookup.by_certificate(certificate_type, checked.number)
        if existing is not None:
            if existing.status == PersonStatus.PROVISIONED and existing.phone_enc is not None:
                masked = await self.masked(existing)
                raise DomainError(
                    ErrorCode.ACTIVATION_REQUIRED,
                    "您的身份信息已由政务系统预置（如健康码），请直接激活账号",
                    "certificateNumber",
                    activation=masked,
                )
            raise DomainError(
                ErrorCode.CERTIFICATE_TAKEN,
                "该证件号码已注册。如非本人注册，可提交账号申诉",
                "certificateNumber",
                appeal="CERTIFICATE_REGISTERED_WITH_OTHER_PHONE",
            )


_DOCUMENT_LABELS = {
    DocumentKind.CERTIFICATE_FRONT: "证件正面",
    DocumentKind.CERTIFICATE_BACK: "证件反面",
    DocumentKind.SUPPORTING: "辅助证明材料",
}
