"""The public "get a code" step: captcha first, then the code to a typed phone or to the phone on record."""

from __future__ import annotations

from dataclasses import dataclass

from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_phone
from uidp.runtime import Runtime
from uidp.services.persons.activation import ActivationService
from uidp.services.shared.audit import Audit
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.decoys import decoy_masked_phone, decoy_send
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SentCode, SmsCodes, SmsPurpose

# Purposes whose code goes to the phone already on record, found by certificate number.
TO_PHONE_ON_RECORD = {SmsPurpose.ACTIVATE}
# Purposes a caller may send to a phone they type. The others go only to a phone on record through their
# own steps (recovery, user space, cancellation), so nobody can spend or overwrite someone else's code.
TO_TYPED_PHONE = {
    SmsPurpose.REGISTER,
    SmsPurpose.ACTIVATE_NEW_PHONE,
    SmsPurpose.CHANGE_PHONE_NEW,
    SmsPurpose.APPEAL,
    SmsPurpose.ENTITY_REGISTER,
    SmsPurpose.ENTITY_CONTACT_PHONE,
    SmsPurpose.ENTITY_APPEAL,
}


@dataclass(frozen=True)
class CodeRequest:
    purpose: SmsPurpose
    captcha_id: str
    captcha_answer: str
    phone: str | None = None
    certificate_type: CertificateType | None = None
    certificate_number: str | None = None


async def request_code(rt: Runtime, request: CodeRequest, client: ClientInfo) -> tuple[str | None, SentCode]:
    """Returns the masked phone (when the caller may see it) and the code's timings.

    The answer never tells whether a typed phone has an account; for certificate targets that are not
    waiting for activation the answer shows a decoy masked phone and looks sent, but nothing is sent.
    """
    if request.purpose not in TO_TYPED_PHONE | TO_PHONE_ON_RECORD:
        raise DomainError(ErrorCode.INVALID_PURPOSE, "该用途的验证码请在对应页面获取", "purpose")
    await CaptchaService(rt).verify(request.captcha_id, request.captcha_answer)
    if request.phone:
        if request.purpose not in TO_TYPED_PHONE:
            raise DomainError(ErrorCode.INVALID_PURPOSE, "该用途的验证码请在对应页面获取", "purpose")
        phone = normalize_phone(request.phone)
        return mask_phone(phone), await _send(rt, request.purpose, phone, client)
    if request.purpose not in TO_PHONE_ON_RECORD:
        raise DomainError(ErrorCode.REQUIRED, "请输入手机号码", "phone")
    if request.certificate_type is None or not request.certificate_number:
        raise DomainError(ErrorCode.REQUIRED, "请输入证件号码", "certificateNumber")
    activation = ActivationService(rt)
    number = normalize_certificate_number(request.certificate_type, request.certificate_number)
    try:
        person, _ = await activation.provisioned(request.certificate_type, number)
    except DomainError as error:
        if error.code != ErrorCode.NOT_ACTIVATABLE:
            raise
        # Nothing to activate: answer like a send to a plausible phone, stable for the same number.
        digest = Pii(rt).digest("activation-decoy", f"{request.certificate_type.value}:{number}")
        return decoy_masked_phone(digest), await decoy_send(rt, request.purpose, digest, client)
    phone = activation.phone_of(person)
    return mask_phone(phone), await _send(rt, request.purpose, phone, client)


async def _send(rt: Runtime, purpose: SmsPurpose, phone: str, client: ClientInfo) -> SentCode:
    audit = Audit(rt)
    try:
        sent = await SmsCodes(rt).send(purpose, phone, client)
    except DomainError as error:
        await audit.record(
            "sms_code.refused",
            outcome="failure",
            client=client,
            purpose=purpose.value,
            phone=mask_phone(phone),
            reason=error.code.value,
        )
        raise
    await audit.record("sms_code.sent", client=client, purpose=purpose.value, phone=mask_phone(phone))
    return sent
