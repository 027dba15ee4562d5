"""The public "get a code" step: captcha first, then the code to a typed phone or to the phone on record."""

from __future__ import annotations

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


async def send_to_typed_phone(
    rt: Runtime, purpose: SmsPurpose, phone: str, captcha_id: str, captcha_answer: str, client: ClientInfo
) -> tuple[str, SentCode]:
    """A code to a phone the caller types (sendSmsCode): returns the masked phone and the code's timings.

    Only the purposes of ``TO_TYPED_PHONE``; the answer never tells whether the phone has an account.
    """
    if purpose not in TO_TYPED_PHONE:
        raise DomainError(ErrorCode.INVALID_PURPOSE, "该用途的验证码请在对应页面获取", "purpose")
    await CaptchaService(rt).verify(captcha_id, captcha_answer)
    if not phone:
        raise DomainError(ErrorCode.REQUIRED, "请输入手机号码", "phone")
    typed = normalize_phone(phone)
    return mask_phone(typed), await send_audited(rt, purpose, typed, client, field="phone")


async def send_activation_code(
    rt: Runtime,
    certificate_type: CertificateType,
    certificate_number: str,
    captcha_id: str,
    captcha_answer: str,
    client: ClientInfo,
) -> tuple[str, SentCode]:
    """The ACTIVATE code to the phone on record of the account waiting for activation (sendActivationCode).

    For a number that is not waiting for activation the answer shows a decoy masked phone and looks sent, but
    nothing is sent; limits count alike. Limit errors name no field: the phone is the one on record.
    """
    await CaptchaService(rt).verify(captcha_id, captcha_answer)
    if not certificate_number:
        raise DomainError(ErrorCode.REQUIRED, "请输入证件号码", "certificateNumber")
    activation = ActivationService(rt)
    number = normalize_certificate_number(certificate_type, certificate_number)
    try:
        person, _ = await activation.provisioned(certificate_type, number)
    except DomainError as error:
        if error.code != ErrorCode.NOT_ACTIVATABLE:
            raise
        # Nothing to activate: answer like a send to a plausible phone, stable for the same number.
        digest = Pii(rt).digest("activation-decoy", f"{certificate_type.value}:{number}")
        return decoy_masked_phone(digest), await decoy_send(rt, SmsPurpose.ACTIVATE, digest, client, field=None)
    phone = activation.phone_of(person)
    return mask_phone(phone), await send_audited(rt, SmsPurpose.ACTIVATE, phone, client, field=None)


async def send_audited(
    rt: Runtime, purpose: SmsPurpose, phone: str, client: ClientInfo, *, field: str | None
) -> SentCode:
    """SmsCodes.send, with ``sms_code.sent`` or ``sms_code.refused`` written."""
    audit = Audit(rt)
    try:
        sent = await SmsCodes(rt).send(purpose, phone, client, field=field)
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
