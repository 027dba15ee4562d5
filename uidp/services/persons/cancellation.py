"""Cancelling a person's account (P10, manual §1.7, 账号注销).

The person reads the five consequences, then confirms with the certificate number and a CANCEL_ACCOUNT
code sent to the phone on record (``UserSpace.send_own_phone_code``). Everything the person owns is
deleted in one transaction (``uidp.services.shared.erasure``); the audit trail keeps the id and masked values
only. Registering again with the same certificate makes a new, unrelated account.
"""

from __future__ import annotations

import secrets
import uuid

from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_id_number, mask_phone
from uidp.models.entity import Entity
from uidp.runtime import Runtime
from uidp.services.auth.proxy_sessions import ProxySessions
from uidp.services.delegation.cascade import Cascade
from uidp.services.oidc.backchannel import revoke_for_cancellation
from uidp.services.oidc.outbox import wake
from uidp.services.oidc.security_events import owe_account_cancelled
from uidp.services.persons.user_space import UserSpace
from uidp.services.shared.audit import Audit
from uidp.services.shared.erasure import erase_person
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.request_limits import spend
from uidp.services.shared.sms import SmsCodes, SmsPurpose

# §1.7 温馨提示, in the manual's order.
CONSEQUENCES: tuple[str, ...] = (
    "账号信息将永久删除",
    "无法使用该账号登录“湖北政务服务网”“鄂汇办”",
    "无法使用该账号登录其他与“湖北省统一身份认证平台”对接的第三方系统",
    "第三方快捷登录方式将无法使用，绑定关系全部删除",
    "已授权使用的第三方服务全部解除授权且无法继续使用",
)
AFTERWARDS = (
    "提交成功后您的账号将会被永久删除，如需继续办理事项需重新注册账号，且重新注册的账号无法自动关联之前账号提交的办件。"
)
MISMATCHES_PER_HOUR = 5
TOO_MANY = "证件号码错误次数过多，请稍后再试"
MISMATCH = "证件号码与当前账号不一致"


class CancellationService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.codes = SmsCodes(rt)

    async def cancel(
        self, principal: Principal, certificate_number: str, sms_code: str, client: ClientInfo
    ) -> uuid.UUID:
        """Check the certificate number and the code, then erase the person. Returns the erased id."""
        person = await UserSpace(self.rt).person(principal)
        if await Entity.filter(representative_id=person.id).exists():
            # An entity must always have a real-name representative (E1): change it first (E8).
            raise DomainError(
                ErrorCode.REPRESENTS_ENTITY, "您是法人账号的法定代表人，请先办理法人信息变更后再注销", None
            )
        if not (certificate_number or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请输入证件号码", "certificateNumber")
        stored = self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)
        await self._check_certificate(person.id, CertificateType(person.certificate_type), certificate_number, stored)
        if person.phone_enc is None:  # a phone appeal (P9a) took it: bind a new phone first
            raise DomainError(
                ErrorCode.PHONE_NOT_BOUND, "您的账号当前未绑定手机号，请先绑定新手机号后再注销", "smsCode"
            )
        phone = self.pii.open("person.phone", person.id, person.phone_enc)
        await self.codes.check(SmsPurpose.CANCEL_ACCOUNT, phone, sms_code)
        async with in_transaction():
            await self.codes.consume(SmsPurpose.CANCEL_ACCOUNT, phone, sms_code)
            # The fifth consequence: every proxy session the person holds for an entity ends with the account,
            # and every grant they hold or gave, with the proxy sessions resting on those (E9).
            proxy_sessions = await ProxySessions(self.rt).end_for_agent(person.id, "cancelled")
            ended = await Cascade(self.rt).end_for_person(person.id, actor=(SubjectKind.PERSON, person.id))
            # The fifth consequence for connected systems: every authorization revoked, each system that held a
            # session owed a back-channel logout (in the outbox, so it outlives a restart).
            connected = await revoke_for_cancellation(self.rt, person.id)
            # And each subscribed system that knew the person is told the account is gone (RISC account-purged);
            # before the erasure, which removes the consents and authorizations that say who knew it.
            events = await owe_account_cancelled(self.rt, person.id)
            deleted = await erase_person(person.id)
        await ended.announce(self.rt)
        await wake(self.rt)
        await Audit(self.rt).record(
            "person.cancelled",
            subject=(SubjectKind.PERSON, person.id),
            client=client,
            certificate_number=mask_id_number(stored),
            phone=mask_phone(phone),
            deleted={table: count for table, count in deleted.items() if count},
            proxy_sessions_ended=proxy_sessions,
            grants_ended=len(ended.grants),
            oidc_authorizations_revoked=connected.revoked,
            oidc_logouts_queued=connected.queued,
            oidc_events_queued=events,
        )
        return person.id

    async def _check_certificate(
        self, person_id: uuid.UUID, certificate_type: CertificateType, typed: str, stored: str
    ) -> None:
        """CERTIFICATE_MISMATCH unless equal; a few mismatches an hour, then RATE_LIMITED."""
        key = f"cancel:mismatch:{person_id}"
        # Counted before the comparison; a right number hands its count back, so only mismatches use it up.
        await spend(self.rt, key, limit=MISMATCHES_PER_HOUR, window=3600, message=TOO_MANY, field="certificateNumber")
        try:
            number = normalize_certificate_number(certificate_type, typed)
        except DomainError:
            number = ""
        if not secrets.compare_digest(number.encode(), stored.encode()):
            raise DomainError(ErrorCode.CERTIFICATE_MISMATCH, MISMATCH, "certificateNumber")
        await self.rt.store.decr(key)
