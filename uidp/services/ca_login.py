"""CA certificate login (E4, manual §2.3.3): a "login" challenge signed by a bound certificate's key.

Everything is verified again at each login (chain, dates, revocation, usage, possession). A certificate that
verifies but is bound to nobody answers CERTIFICATE_UNTRUSTED with the same message as an untrusted one, so the
login form does not tell whether a certificate is bound. The bound subject must be at level 3 (高级).
"""

from __future__ import annotations

from collections.abc import Sequence

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity, EntityStatus
from uidp.models.person import Person, PersonStatus
from uidp.runtime import Runtime
from uidp.services.audit import Audit
from uidp.services.ca_binding import METHOD_ID, verify_certificate
from uidp.services.ca_challenges import CaChallenges, IssuedChallenge
from uidp.services.login import LoginOutcome
from uidp.services.principal import ClientInfo
from uidp.services.request_limits import limit_per_client
from uidp.services.sessions import Sessions

NOT_USABLE = "证书不受信任或尚未绑定账号"
# Each login attempt needs a challenge, so this bounds anonymous attempts (and verification work) per address.
CHALLENGES_PER_HOUR = 120


class CertificateLoginService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)

    async def start(self, client: ClientInfo) -> IssuedChallenge:
        """A "login" challenge for the USB key to sign; RATE_LIMITED past CHALLENGES_PER_HOUR per address."""
        if METHOD_ID not in self.rt.plugins.login_methods:
            raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "数字证书服务暂不可用，请稍后再试")
        await limit_per_client(self.rt, "ca_login_challenge", client, per_hour=CHALLENGES_PER_HOUR)
        return await CaChallenges(self.rt).issue("login")

    async def login(
        self, certificate: str, chain: Sequence[str], challenge: str, signature: str, client: ClientInfo
    ) -> LoginOutcome:
        """A session for the subject the certificate is bound to; typed errors otherwise."""
        try:
            await CaChallenges(self.rt).take(challenge, "login")
            assertion = await verify_certificate(self.rt, certificate, chain, challenge, signature)
            binding = await CertificateBinding.get_or_none(fingerprint=assertion.subject)
            if binding is None:
                raise DomainError(ErrorCode.CERTIFICATE_UNTRUSTED, NOT_USABLE, "certificate")
            person = None
            if binding.subject_kind == "entity":
                subject = await Entity.get_or_none(id=binding.subject_id, status=EntityStatus.ACTIVE)
            else:
                subject = person = await Person.get_or_none(id=binding.subject_id, status=PersonStatus.ACTIVE)
            if subject is None:
                raise DomainError(ErrorCode.CERTIFICATE_UNTRUSTED, NOT_USABLE, "certificate")
            if subject.level < AssuranceLevel.HIGH:
                raise DomainError(ErrorCode.FORBIDDEN, "该账号未完成高级认证，不能使用数字证书登录", "certificate")
        except DomainError as error:
            await self.audit.record("login.failed", outcome="failure", client=client, method=METHOD_ID,
                                    reason=error.code.value)  # fmt: skip
            raise
        issued = await Sessions(self.rt).issue(binding.subject_kind, binding.subject_id, METHOD_ID, client)
        await self.audit.record(
            "login.succeeded",
            subject=(binding.subject_kind, binding.subject_id),
            client=client,
            method=METHOD_ID,
            serial=binding.serial,
        )
        return LoginOutcome(issued, binding.subject_kind, binding.subject_id, person)
