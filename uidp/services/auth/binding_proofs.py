"""Redeeming a person's binding ticket by SMS: a code to the account's phone instead of its password (X6).

Only the browser holding the ticket may ask for a code, and the code goes only to a phone that is a person
account's login phone; for any other phone the answer looks sent (same masked phone, same limits counted)
and nothing is sent, so the form never tells which phones have accounts (docs/decisions.md #112). An entity
binding keeps the password proof.
"""

from __future__ import annotations

from uidp.domain.accounts import SubjectKind
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_phone
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.auth.login_tickets import BindingTickets, PendingBinding, require_ticket
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SentCode, SmsCodes, SmsPurpose
from uidp.services.shared.sms_request import send_audited

PURPOSE = SmsPurpose.BIND_LOGIN


def person_only(pending: PendingBinding) -> None:
    """An entity's ticket is redeemed with its password only: refused on ``ticket``."""
    if pending.subject_kind != SubjectKind.PERSON:
        raise DomainError(ErrorCode.INVALID_PURPOSE, "法人账号请使用统一社会信用代码和密码完成绑定", "ticket")


def typed_phone(phone: str) -> str:
    return normalize_phone(phone or "", "phone")


class BindingSms:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def send(
        self,
        ticket: str,
        phone: str,
        captcha_id: str | None,
        captcha_answer: str | None,
        client: ClientInfo,
        browser: str | None,
    ) -> tuple[str, SentCode]:
        """The BIND_LOGIN code to ``phone`` when it is a person account's; a decoy otherwise. Returns the
        masked phone and the code's timings. The ticket is read, not spent."""
        require_ticket(ticket)
        person_only(await BindingTickets(self.rt).peek(ticket, browser))
        await CaptchaService(self.rt).verify(captcha_id, captcha_answer)
        typed = typed_phone(phone)
        if await PersonLookup(self.rt).by_phone(typed) is None:
            # Counted on the typed phone like a real send (same resend interval and daily caps), kept nowhere.
            return mask_phone(typed), await SmsCodes(self.rt).send(PURPOSE, typed, client, deliver=False)
        return mask_phone(typed), await send_audited(self.rt, PURPOSE, typed, client, field="phone")

    async def prove(self, phone: str, code: str) -> Person:
        """The person whose phone the live code proves; SMS_CODE_INVALID on ``smsCode`` otherwise (a wrong
        code and a phone without an account alike). Every try is counted before the compare."""
        codes = SmsCodes(self.rt)
        await codes.check(PURPOSE, phone, code)
        person = await PersonLookup(self.rt).by_phone(phone)
        if person is None:
            raise DomainError(ErrorCode.SMS_CODE_INVALID, "短信验证码错误或已失效", "smsCode")
        await codes.consume(PURPOSE, phone, code)
        return person
