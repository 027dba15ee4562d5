"""Password recovery in steps (P8, manual §1.5): identify, get a code, set a new password.

The steps are bound together by a recovery ticket (:mod:`uidp.services.shared.step_tickets`): an opaque
random token handed to the page, kept in the store only as its digest, with the person it names, the step
reached and a TTL. A step cannot be skipped
and the last one consumes the ticket. An unknown person (or a wrong name) gets a ticket and a plausible
masked phone too, derived from a keyed digest of the input so repeated tries look stable; nothing is ever
sent for such a ticket and its last step fails like a wrong code. People who lost the phone are pointed to
the electronic social security card login (P6) or the appeal of §1.6.2 (FAQ 3.1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import normalize_name
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_id_number, mask_phone
from uidp.domain.password_policy import check_password
from uidp.models.person import Person, PersonStatus
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.registration import POLICY
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.credentials import Passwords
from uidp.services.shared.decoys import decoy_masked_phone, decoy_send
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client
from uidp.services.shared.sms import SentCode, SmsCodes, SmsPurpose
from uidp.services.shared.step_tickets import StepTicket, StepTickets

TICKET_SECONDS = 600
STARTS_PER_HOUR = 30  # per client address, on top of the captcha
LOST_PHONE_HINT = (
    "原手机号已停用、无法接收短信？可使用电子社保卡扫码登录后自行修改手机号和密码，"
    "或提交账号申诉（身份证号被他人手机号注册），审核通过后使用新密码登录。"
)
STEP_INVALID_MESSAGE = "找回密码的步骤已失效，请重新开始找回密码"
STEP_STARTED = 1
STEP_CODE_SENT = 2


@dataclass(frozen=True)
class RecoveryStarted:
    ticket: str
    masked_phone: str
    expires_at: datetime


@dataclass
class _Ticket:
    ticket: StepTicket
    person_id: str  # "" for a decoy ticket
    decoy: str  # keyed digest of the input, for decoys' stable answers
    masked_phone: str
    step: int


class RecoveryService:
    """The three steps of §1.5. ``ticket_seconds`` may be shortened in tests."""

    def __init__(self, rt: Runtime, *, ticket_seconds: int = TICKET_SECONDS) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)
        self.codes = SmsCodes(rt)
        self.ticket_seconds = ticket_seconds
        self.tickets = StepTickets(rt, "recovery", seconds=ticket_seconds, invalid=STEP_INVALID_MESSAGE)

    async def start(
        self,
        name: str,
        certificate_type: CertificateType,
        certificate_number: str,
        captcha_id: str | None,
        captcha_answer: str | None,
        client: ClientInfo,
    ) -> RecoveryStarted:
        """Step 1: name + certificate + captcha -> a ticket and the masked phone (real or decoy)."""
        name = normalize_name(name or "")
        number = normalize_certificate_number(certificate_type, certificate_number or "")
        await limit_per_client(self.rt, "recovery-start", client, per_hour=STARTS_PER_HOUR)
        await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
        person = await PersonLookup(self.rt).by_certificate(certificate_type, number)
        if person is not None and not self._matches(person, name):
            person = None
        decoy = self.pii.digest("recovery-decoy", f"{certificate_type.value}:{number}:{name}")
        masked = (
            mask_phone(self.pii.open("person.phone", person.id, person.phone_enc))
            if person
            else decoy_masked_phone(decoy)
        )
        record = {"person": str(person.id) if person else "", "decoy": decoy, "phone": masked, "step": STEP_STARTED}
        issued = await self.tickets.issue(record)
        await self.audit.record(
            "recovery.started",
            subject=(SubjectKind.PERSON, person.id) if person else None,
            client=client,
            certificate_type=certificate_type.value,
            certificate_number=mask_id_number(number),
            known_account=person is not None,
        )
        return RecoveryStarted(issued.token, masked, issued.expires_at)

    def _matches(self, person: Person, name: str) -> bool:
        if person.status != PersonStatus.ACTIVE or person.phone_enc is None:
            # Pre-provisioned persons activate (P2), pending ones wait for staff, and an account whose phone
            # went to someone else by an appeal (P9a) has no phone to send a code to: all look unknown here.
            return False
        return self.pii.open("person.name", person.id, person.name_enc) == name

    async def send_code(self, ticket: str, client: ClientInfo) -> tuple[str, SentCode]:
        """Step 2: a RECOVER_PASSWORD code to the phone on record; returns the masked phone and timings."""
        found = await self._ticket(ticket, STEP_STARTED, STEP_CODE_SENT, field="ticket")
        if found.person_id:
            person = await Person.get_or_none(id=uuid.UUID(found.person_id))
            if person is None:
                raise _step_invalid()
            phone = self.pii.open("person.phone", person.id, person.phone_enc)
            sent = await self.codes.send(SmsPurpose.RECOVER_PASSWORD, phone, client, field=None)
            await self.audit.record(
                "sms_code.sent",
                subject=(SubjectKind.PERSON, person.id),
                client=client,
                purpose="RECOVER_PASSWORD",
                phone=mask_phone(phone),
            )
        else:
            sent = await decoy_send(self.rt, SmsPurpose.RECOVER_PASSWORD, found.decoy, client, field=None)
        await self._advance(found, STEP_CODE_SENT)
        return found.masked_phone, sent

    async def complete(
        self, ticket: str, sms_code: str, new_password: str, confirmation: str, client: ClientInfo
    ) -> uuid.UUID | None:
        """Step 3: code + new password twice. Sets the password, ends every session, clears the lockout."""
        found = await self._ticket(ticket, STEP_CODE_SENT)
        person = await Person.get_or_none(id=uuid.UUID(found.person_id)) if found.person_id else None
        phone = self.pii.open("person.phone", person.id, person.phone_enc) if person else None
        number = (
            self.pii.open("person.certificate_number", person.id, person.certificate_number_enc) if person else None
        )
        password = check_password(
            new_password or "",
            confirmation or "",
            policy=POLICY,
            phone=phone,
            certificate_number=number,
            field="newPassword",
            confirmation_field="newPasswordConfirmation",
        )
        if person is None or phone is None:
            if not (sms_code or "").strip():
                raise DomainError(ErrorCode.REQUIRED, "请输入短信验证码", "smsCode")
            raise DomainError(ErrorCode.SMS_CODE_INVALID, "短信验证码错误或已失效", "smsCode")
        await self.codes.check(SmsPurpose.RECOVER_PASSWORD, phone, sms_code)
        password_hash = await self.rt.hasher.hash(password)
        async with in_transaction():
            await self.codes.consume(SmsPurpose.RECOVER_PASSWORD, phone, sms_code)
            await self.tickets.spend(ticket)  # last: of concurrent completions, exactly one gets here
            await Passwords(self.rt).store_hash(SubjectKind.PERSON, person.id, password_hash)
        ended = await Sessions(self.rt).revoke_all(SubjectKind.PERSON, person.id, "password_recovered")
        await LoginThrottle(self.rt).unlock(f"person:{person.id}")
        await self.audit.record(
            "password.recovered", subject=(SubjectKind.PERSON, person.id), client=client, sessions_ended=ended
        )
        return person.id

    async def _ticket(self, ticket: str, *steps: int, field: str = "smsCode") -> _Ticket:
        found = await self.tickets.read(ticket)
        record = found.data
        if record["step"] not in steps:
            raise DomainError(ErrorCode.STEP_INVALID, "请先获取短信验证码", field)
        return _Ticket(found, record["person"], record["decoy"], record["phone"], record["step"])

    async def _advance(self, found: _Ticket, step: int) -> None:
        """Move the ticket on, keeping its original expiry (a ticket spent meanwhile stays spent)."""
        record = {"person": found.person_id, "decoy": found.decoy, "phone": found.masked_phone, "step": step}
        await self.tickets.advance(found.ticket, record)


def _step_invalid() -> DomainError:
    return DomainError(ErrorCode.STEP_INVALID, STEP_INVALID_MESSAGE, "ticket")
