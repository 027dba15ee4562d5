"""CA certificate login (E4, manual §2.3.3): a "login" challenge signed by a bound certificate's key.

The CA channel's own part is its attempt counter and its refusals: each challenge allows one signature
check, and every refusal answers alike. Everything else is the login pipeline's (``pipeline.py``): the ``ca``
method's assertion, the certificate binding it opens (``bindings.py``), the account check, the session and
the audit.

Everything is verified again at each login (key, possession, chain, dates, revocation, usage). A certificate
that verifies but is bound to nobody (or to a closed account) answers exactly like one under an unknown root:
the same code, message and field, after the same work (the possession proof is checked first and the binding
is looked up in both cases), so the login form does not tell whether a certificate is bound. The bound
subject must be at level 3 (高级), and the certificate must still name it (a binding made before
docs/decisions.md #35 required that no longer logs in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.levels import AssuranceLevel
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.auth.bindings import Match
from uidp.services.auth.ca_binding import METHOD_ID, check_named, identifier_of, verify_certificate
from uidp.services.auth.ca_challenges import CaChallenges, IssuedChallenge
from uidp.services.auth.pipeline import LoginOutcome, LoginPipeline
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client

NOT_USABLE = "证书不受信任或尚未绑定账号"
NOT_NAMING_ACCOUNT = "该证书未载明本账号的身份信息，不能用于登录，请绑定新证书"
NO_SUCH_FINGERPRINT = "0" * 64  # looked up when the certificate is untrusted, so both refusals cost one query


def not_usable() -> DomainError:
    return DomainError(ErrorCode.CERTIFICATE_UNTRUSTED, NOT_USABLE, "certificate")


class CertificateLoginService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pipeline = LoginPipeline(rt)

    async def start(self, client: ClientInfo) -> IssuedChallenge:
        """A "login" challenge for the USB key to sign; RATE_LIMITED past ``UIDP_CA_CHALLENGES_PER_HOUR`` an hour
        per address. Each challenge allows one signature check, so this bounds the checks per address."""
        if self.rt.plugins.login_method(METHOD_ID) is None:
            raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "数字证书服务暂不可用，请稍后再试")
        per_hour = self.rt.settings.ca_challenges_per_hour
        await limit_per_client(self.rt, "ca_login_challenge", client, per_hour=per_hour)
        return await CaChallenges(self.rt).issue("login")

    async def login(
        self, certificate: str, chain: Sequence[str], challenge: str, signature: str, client: ClientInfo
    ) -> LoginOutcome:
        """A session for the subject the certificate is bound to; typed errors otherwise."""
        try:
            await CaChallenges(self.rt).take(challenge, "login")
            match, claims = await self._match(certificate, chain, challenge, signature)
            row = await self.pipeline.account_row(match.account)
            if not isinstance(row, Entity | Person) or self.pipeline.refusal(row) is not None:
                raise not_usable()
            try:
                check_named(match.account.kind, identifier_of(Pii(self.rt), row), claims)
            except DomainError as error:
                raise DomainError(error.code, NOT_NAMING_ACCOUNT, "certificate") from None
            if row.level < AssuranceLevel.HIGH:
                raise DomainError(ErrorCode.FORBIDDEN, "该账号未完成高级认证，不能使用数字证书登录", "certificate")
        except DomainError as error:
            await self.pipeline.failed(METHOD_ID, client, reason=error.code.value)
            raise
        return await self.pipeline.open_session(match.account, METHOD_ID, client, row=row, serial=match.serial)

    async def _match(
        self, certificate: str, chain: Sequence[str], challenge: str, signature: str
    ) -> tuple[Match, Mapping[str, str]]:
        try:
            assertion = await verify_certificate(self.rt, certificate, chain, challenge, signature)
        except DomainError as error:
            if error.code != ErrorCode.CERTIFICATE_UNTRUSTED:
                raise
            await CertificateBinding.get_or_none(fingerprint=NO_SUCH_FINGERPRINT)
            raise not_usable() from None
        method = self.rt.plugins.login_method(METHOD_ID)
        match = await self.pipeline.resolve(method, assertion) if method is not None else None
        if match is None:
            raise not_usable()
        return match, assertion.claims
