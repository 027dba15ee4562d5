"""Binding a CA certificate (E5, manual §2.4): SMS code, proof of possession, then level 3 (高级).

An entity (or a person at level 2 or above) binds a certificate while logged in: an SMS code to the phone on
record (the entity's contact phone, the person's phone), a "bind" challenge issued to that subject, and the
challenge signed by the certificate's key. The certificate is verified by the ``ca`` login method (plugins.ca).
The certificate must name its holder: an entity's certificate its credit code, a person's certificate the
person's certificate number (docs/decisions.md #35); possession of a key alone binds nothing. One binding per
certificate; a subject may bind several (a renewed certificate), and each binding raises the subject to
level 3. Binding challenges are counted per subject when issued (``UIDP_CA_CHALLENGES_PER_HOUR``), and each
allows one signature check, so the count bounds the checks. A dead challenge is answered before a refused
SMS code (``CHALLENGE_INVALID``, docs/decisions.md #395).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_credit_code, mask_phone
from uidp.hookspecs import BuiltinLoginMethod
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity, EntityStatus
from uidp.models.person import Person, PersonStatus
from uidp.ports import Assertion, LoginFailure, LoginRequest, PasswordSubject
from uidp.runtime import Runtime
from uidp.services.auth.ca_challenges import CaChallenges, IssuedChallenge
from uidp.services.auth.ca_challenges import invalid as invalid_challenge
from uidp.services.oidc.outbox import wake
from uidp.services.oidc.security_events import owe_level_changed
from uidp.services.shared.audit import Audit
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal, refuse_agent
from uidp.services.shared.request_limits import limit_per_key
from uidp.services.shared.sms import SentCode, SmsCodes, SmsPurpose

METHOD_ID = BuiltinLoginMethod.CA
DN_COLUMN = "ca_binding.subject_dn"
KINDS = (SubjectKind.ENTITY, SubjectKind.PERSON)


@dataclass(frozen=True)
class Holder:
    kind: str
    id: uuid.UUID
    phone: str
    identifier: str  # what the certificate must name: the entity's credit code, the person's certificate number
    level: int

    def check_named_by(self, claims: Mapping[str, str]) -> None:
        """CERTIFICATE_MISMATCH unless the certificate names this holder."""
        check_named(self.kind, self.identifier, claims)


def identifier_of(pii: Pii, subject: Entity | Person) -> str:
    """What a certificate of this entity or person must name: the credit code, or the certificate number."""
    if isinstance(subject, Entity):
        return pii.open("entity.credit_code", subject.id, subject.credit_code_enc)
    return pii.open("person.certificate_number", subject.id, subject.certificate_number_enc)


def check_named(kind: str, identifier: str, claims: Mapping[str, str]) -> None:
    """CERTIFICATE_MISMATCH unless the verified claims name ``identifier`` (docs/decisions.md #35)."""
    if kind == SubjectKind.ENTITY:
        named, what = claims.get("credit_code"), "统一社会信用代码"
    else:
        named, what = claims.get("person_number"), "证件号码"
    if named is None:
        raise DomainError(ErrorCode.CERTIFICATE_MISMATCH, f"证书中没有{what}，不能绑定到本账号", "certificate")
    if named != identifier:
        raise DomainError(ErrorCode.CERTIFICATE_MISMATCH, f"证书中的{what}与本账号不一致", "certificate")


@dataclass(frozen=True)
class BoundCertificate:
    id: uuid.UUID
    fingerprint: str
    serial: str
    not_after: datetime
    level: int


class VerifyOnly:
    """The ports lent to the ``ca`` method when it only verifies: it looks no account up."""

    async def find_password_subject(self, identifier: str) -> PasswordSubject | None:
        return None

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        return False


async def verify_certificate(
    rt: Runtime, certificate: str, chain: Sequence[str], challenge: str, signature: str
) -> Assertion:
    """Ask the ``ca`` login method to verify the certificate and the signature over ``challenge``."""
    method = rt.plugins.login_method(METHOD_ID)
    if method is None:
        raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "数字证书服务暂不可用，请稍后再试")
    params = {
        "certificate": certificate or "",
        "chain": json.dumps(list(chain)),
        "challenge": challenge,
        "signature": signature or "",
        "at": rt.clock.now().isoformat(),
    }
    try:
        return await method.complete(LoginRequest(params), VerifyOnly())
    except LoginFailure as error:
        raise DomainError(ErrorCode.CERTIFICATE_UNTRUSTED, "证书不受信任", "certificate") from error


class CertificateBindings:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)

    async def holder(self, principal: Principal) -> Holder:
        """The logged-in entity or person who may bind; FORBIDDEN for others, AGENT_FORBIDDEN for a proxy session."""
        forbidden = DomainError(ErrorCode.FORBIDDEN, "无权执行此操作")
        refuse_agent(principal)
        if principal.kind == SubjectKind.ENTITY:
            entity = await Entity.get_or_none(id=principal.id, status=EntityStatus.ACTIVE)
            if entity is None:
                raise forbidden
            phone = self.pii.open("entity.contact_phone", entity.id, entity.contact_phone_enc)
            return Holder(SubjectKind.ENTITY, entity.id, phone, identifier_of(self.pii, entity), entity.level)
        if principal.kind == SubjectKind.PERSON:
            person = await Person.get_or_none(id=principal.id, status=PersonStatus.ACTIVE)
            if person is None or person.phone_enc is None:
                raise forbidden
            if person.level < AssuranceLevel.MEDIUM:
                raise DomainError(ErrorCode.FORBIDDEN, "请先完成中级认证，再绑定数字证书")
            phone = self.pii.open("person.phone", person.id, person.phone_enc)
            return Holder(SubjectKind.PERSON, person.id, phone, identifier_of(self.pii, person), person.level)
        raise forbidden

    async def send_code(self, principal: Principal, client: ClientInfo) -> tuple[str, SentCode]:
        """An SMS code for binding, to the phone on record; returns the masked phone."""
        holder = await self.holder(principal)
        masked = mask_phone(holder.phone)
        try:
            sent = await SmsCodes(self.rt).send(SmsPurpose.BIND_CERTIFICATE, holder.phone, client, field=None)
        except DomainError as error:
            await self.audit.record(
                "sms_code.refused", outcome="failure", actor=principal, client=client,
                purpose=SmsPurpose.BIND_CERTIFICATE.value, phone=masked, reason=error.code.value,
            )  # fmt: skip
            raise
        await self.audit.record(
            "sms_code.sent", actor=principal, client=client, purpose=SmsPurpose.BIND_CERTIFICATE.value, phone=masked
        )
        return masked, sent

    async def start(self, principal: Principal) -> IssuedChallenge:
        """A "bind" challenge issued to this subject, for the USB key to sign; RATE_LIMITED past
        ``UIDP_CA_CHALLENGES_PER_HOUR`` an hour for this subject."""
        holder = await self.holder(principal)
        subject = f"{holder.kind}:{holder.id}"
        await limit_per_key(self.rt, "ca_bind_challenge", subject, per_hour=self.rt.settings.ca_challenges_per_hour)
        return await CaChallenges(self.rt).issue("bind", subject)

    async def bind_certificate(
        self,
        principal: Principal,
        certificate_pem: str,
        chain_pems: Sequence[str],
        challenge: str,
        signature: str,
        sms_code: str,
        client: ClientInfo,
    ) -> BoundCertificate:
        """Bind the certificate to the caller and raise the caller to level 3; typed errors otherwise."""
        holder = await self.holder(principal)
        sms, challenges, subject = SmsCodes(self.rt), CaChallenges(self.rt), f"{holder.kind}:{holder.id}"
        refused = await code_refusal(sms, holder.phone, sms_code)
        # A refused code with a dead challenge answers CHALLENGE_INVALID (docs/decisions.md #395): a request that
        # lost the race for its challenge may find the code already taken by the winner, who takes the challenge
        # before the code. A refused code with a live challenge leaves the challenge for the corrected form.
        if refused is not None and (
            refused.code != ErrorCode.SMS_CODE_INVALID or await challenges.alive(challenge, "bind", subject)
        ):
            raise refused
        try:
            if refused is not None:
                raise invalid_challenge() from refused
            await challenges.take(challenge, "bind", subject)
            assertion = await verify_certificate(self.rt, certificate_pem, chain_pems, challenge, signature)
            claims = assertion.claims
            holder.check_named_by(claims)
            await self._check_free(assertion.subject, holder)
            now = self.rt.clock.now()
            async with in_transaction():
                await sms.consume(SmsPurpose.BIND_CERTIFICATE, holder.phone, sms_code)
                try:
                    binding_id = uuid.uuid4()
                    binding = await CertificateBinding.create(
                        id=binding_id,
                        subject_kind=holder.kind,
                        subject_id=holder.id,
                        fingerprint=assertion.subject,
                        subject_dn_enc=self.pii.seal(DN_COLUMN, binding_id, claims["subject_dn"]),
                        serial=claims["serial"],
                        not_after=datetime.fromisoformat(claims["not_after"]),
                        created_at=now,
                    )
                except IntegrityError as error:  # a concurrent binding of the same certificate won
                    raise _bound_elsewhere() from error
                level = max(holder.level, int(AssuranceLevel.HIGH))
                model = Entity if holder.kind == SubjectKind.ENTITY else Person
                await model.filter(id=holder.id).update(level=level, updated_at=now)
                events = await owe_level_changed(self.rt, (holder.kind, holder.id), holder.level, level)
        except DomainError as error:
            await self.audit.record(
                "ca.bind_refused",
                outcome="failure",
                actor=principal,
                subject=(holder.kind, holder.id),
                client=client,
                reason=error.code.value,
            )
            raise
        if events:
            await wake(self.rt)
        details = {"credit_code": mask_credit_code(holder.identifier)} if holder.kind == SubjectKind.ENTITY else {}
        await self.audit.record(
            "ca.certificate_bound",
            actor=principal,
            subject=(holder.kind, holder.id),
            client=client,
            serial=binding.serial,
            fingerprint=binding.fingerprint[:16],
            level=level,
            **details,
        )
        return BoundCertificate(binding.id, binding.fingerprint, binding.serial, binding.not_after, level)

    async def _check_free(self, fingerprint: str, holder: Holder) -> None:
        existing = await CertificateBinding.get_or_none(fingerprint=fingerprint)
        if existing is None:
            return
        if existing.subject_kind == holder.kind and existing.subject_id == holder.id:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "该证书已绑定到当前账号", "certificate")
        raise _bound_elsewhere()

    async def bindings_of(self, kind: str, subject_id: uuid.UUID) -> list[CertificateBinding]:
        return await CertificateBinding.filter(subject_kind=kind, subject_id=subject_id).order_by("created_at")


async def code_refusal(sms: SmsCodes, phone: str, code: str) -> DomainError | None:
    """The SMS code's refusal (the check counted the try), or None when the code is right."""
    try:
        await sms.check(SmsPurpose.BIND_CERTIFICATE, phone, code)
    except DomainError as error:
        return error
    return None


def _bound_elsewhere() -> DomainError:
    return DomainError(ErrorCode.CERTIFICATE_BOUND_ELSEWHERE, "该证书已绑定其他账号", "certificate")
