"""Test helpers: valid identity numbers, and an API driver that talks GraphQL over HTTP."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.log_guard import SECRETS
from uidp.domain.certificates import gb11643_check_char
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sandbox import sandbox_messages
from uidp.services.shared.sms import SmsPurpose
from uidp.services.shared.sms_request import send_to_typed_phone

PASSWORD = "Hubei#2026ok"


def production_keys() -> dict[str, str]:
    """Settings overrides for the production profile's keys: fresh, and different from each other."""
    key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731
    return {"pii_keys": f"k1:{key()}", "blind_index_key": key(), "password_pepper": key(), "secret_key": key()}


def resident_id(region: str = "420102", birth: str = "19900101", seq: str = "121") -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + gb11643_check_char(first17)


REGISTER = """
mutation($i: RegisterPersonInput!) { registerPerson(input: $i) {
  __typename
  ... on PersonRegistered { needsReview account { id status level maskedName maskedCertificateNumber maskedPhone } }
  ... on Error { code message field }
  ... on ActivationRequired { maskedName maskedCertificateNumber maskedPhone }
  ... on AccountConflict { appeal }
  ... on RegistrationWindowClosed { opensAt }
  ... on RateLimited { retryAfterSeconds }
} }"""

SEND_CODE = """
mutation($i: SendSmsCodeInput!) { sendSmsCode(input: $i) {
  __typename
  ... on SmsCodeSent { maskedPhone expiresAt resendAfter }
  ... on Error { code message field }
  ... on RateLimited { retryAfterSeconds }
} }"""

SEND_ACTIVATION_CODE = """
mutation($i: SendActivationCodeInput!) { sendActivationCode(input: $i) {
  __typename
  ... on SmsCodeSent { maskedPhone expiresAt resendAfter }
  ... on Error { code message field }
  ... on RateLimited { retryAfterSeconds }
} }"""

LOGIN = """
mutation($i: LoginWithPasswordInput!) { loginWithPassword(input: $i) {
  __typename
  ... on LoginSuccess { token expiresAt viewer { __typename ... on PersonAccount { id level maskedPhone } } }
  ... on LoginFailed { code message field captchaRequired }
  ... on FieldError { code message field }
} }"""

ME = """{ me { __typename
  ... on PersonAccount {
    id status level levelLabel maskedName maskedPhone maskedCertificateNumber certificateType }
  ... on StaffMember { username roles } } }"""


class Api:
    """Drives the app through /graphql like a front end would; reads sandbox secrets like staff would."""

    def __init__(self, client: httpx.AsyncClient, rt: Any) -> None:
        self.client = client
        self.rt = rt

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {"authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def gql(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = await self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = await self.gql(query, variables, **kwargs)
        assert "errors" not in body, body
        return body["data"]

    async def captcha(self) -> tuple[str, str]:
        data = await self.data("mutation { requestCaptcha { id imagePng expiresAt } }")
        captcha_id = data["requestCaptcha"]["id"]
        answer = CaptchaService(self.rt).peek(captcha_id)
        assert answer
        return captcha_id, answer

    async def send_code(self, purpose: str, phone: str) -> dict[str, Any]:
        captcha_id, answer = await self.captcha()
        variables = {"purpose": purpose, "phone": phone, "captchaId": captcha_id, "captchaAnswer": answer}
        return (await self.data(SEND_CODE, {"i": variables}))["sendSmsCode"]

    async def send_activation_code(self, certificate_type: str, certificate_number: str) -> dict[str, Any]:
        captcha_id, answer = await self.captcha()
        variables = {
            "certificateType": certificate_type,
            "certificateNumber": certificate_number,
            "captchaId": captcha_id,
            "captchaAnswer": answer,
        }
        return (await self.data(SEND_ACTIVATION_CODE, {"i": variables}))["sendActivationCode"]

    async def assert_purpose_refused(self, purpose: str, phone: str) -> None:
        """A purpose sendSmsCode does not offer: the schema refuses it, the service too, and nothing is sent."""
        captcha_id, answer = await self.captcha()
        variables = {"purpose": purpose, "phone": phone, "captchaId": captcha_id, "captchaAnswer": answer}
        body = await self.gql(SEND_CODE, {"i": variables})
        assert body["data"] is None and "PhoneCodePurpose" in body["errors"][0]["message"], body
        refused = send_to_typed_phone(
            self.rt, SmsPurpose(purpose), phone, captcha_id, answer, ClientInfo("203.0.113.1")
        )
        await fails(ErrorCode.INVALID_PURPOSE, refused, "purpose")
        assert sandbox_messages(self.rt, phone=phone) == []

    def last_code(self, phone: str) -> str:
        return sandbox_code(self.rt, phone)

    async def code_for(self, purpose: str, phone: str) -> str:
        sent = await self.send_code(purpose, phone)
        assert sent["__typename"] == "SmsCodeSent", sent
        return self.last_code(phone)

    def id_card_form(self, **overrides: Any) -> dict[str, Any]:
        form = {
            "name": "陈心",
            "certificateType": "RESIDENT_ID",
            "certificateNumber": resident_id(),
            "validFrom": "2020-01-01",
            "validityPeriod": "YEARS_20",
            "phone": "15012340058",
            "smsCode": "000000",
            "password": PASSWORD,
            "passwordConfirmation": PASSWORD,
            "acceptTerms": True,
        }
        form.update(overrides)
        return form

    async def register(self, form: dict[str, Any], *, with_code: bool = True) -> dict[str, Any]:
        if with_code:
            sent = await self.send_code("REGISTER", form["phone"])
            reusable = sent["__typename"] == "SmsCodeSent" or sent.get("code") == "SMS_TOO_FREQUENT"
            code = self.last_code(form["phone"]) if reusable else "000000"
            form = {**form, "smsCode": code}
        return (await self.data(REGISTER, {"i": form}))["registerPerson"]

    async def login(self, identifier: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
        variables = {"identifier": identifier, "password": password, **extra}
        answer = (await self.data(LOGIN, {"i": variables}))["loginWithPassword"]
        if answer.get("token"):
            SECRETS.add(answer["token"])
        return answer

    async def me(self, token: str | None = None) -> dict[str, Any] | None:
        return (await self.data(ME, token=token))["me"]


STAFF_PASSWORD = "Staff#2026pw"


@dataclass(frozen=True)
class EnrolledStaff:
    staff: Any
    secret: bytes  # the member's TOTP secret, as their authenticator app holds it
    token: str  # the session that enrolment started


async def enrol_staff(
    rt: Any, *roles: str, username: str = "reviewer1", password: str = STAFF_PASSWORD, client: Any = None
) -> EnrolledStaff:
    """Create a staff member and enrol them through the real flow: the setup code, their own TOTP and password."""
    from uidp.domain.accounts import StaffRole
    from uidp.security.totp import b32decode, totp
    from uidp.services.shared.principal import ClientInfo, cli_actor
    from uidp.services.staff.staff import StaffService
    from uidp.services.staff.staff_enrolment import StaffEnrolments

    client = client or ClientInfo("192.0.2.10")
    _, setup = await StaffService(rt).create(username, username, [StaffRole(r) for r in roles], actor=cli_actor())
    enrolments = StaffEnrolments(rt)
    started = await enrolments.start(username, setup.code, client)
    secret = b32decode(started.totp_secret)
    staff, issued = await enrolments.complete(
        started.token,
        totp_code=totp(secret, rt.clock.now()),
        password=password,
        password_confirmation=password,
        current_password=None,
        client=client,
    )
    SECRETS.update((setup.code, issued.token))
    return EnrolledStaff(staff, secret, issued.token)


async def staff_token(rt: Any, *roles: str, username: str = "reviewer1") -> str:
    """A live staff session for tests that are not about staff login itself (enrolment logs the member in)."""
    return (await enrol_staff(rt, *roles, username=username)).token


START_ENROLMENT = """mutation($i: StartStaffEnrolmentInput!){ startStaffEnrolment(input:$i){ __typename
  ... on StaffEnrolmentStarted { enrolmentToken otpauthUri totpSecret expiresAt needsCurrentPassword }
  ... on Error { code message field } } }"""
COMPLETE_ENROLMENT = """mutation($i: CompleteStaffEnrolmentInput!){ completeStaffEnrolment(input:$i){ __typename
  ... on LoginSuccess { token expiresAt viewer { __typename ... on StaffMember { username roles } } }
  ... on Error { code message field } } }"""


def count_password_checks(rt: Any, monkeypatch: Any) -> list[bool]:
    """Observe every bcrypt check against a stored hash (dummy checks for nobody excluded), with its result."""
    seen: list[bool] = []
    original = rt.hasher.verify_sync

    def counting(password: str, hashed: str | None) -> bool:
        ok = original(password, hashed)
        if hashed is not None:
            seen.append(ok)
        return ok

    monkeypatch.setattr(rt.hasher, "verify_sync", counting)
    return seen


def forwarded(n: int) -> dict[str, str]:
    """An X-Forwarded-For of its own for request ``n`` of a burst (the app must trust the test client)."""
    return {"x-forwarded-for": f"198.51.100.{n + 1}"}


# --- service-level helpers (no HTTP) ----------------------------------------------------------------------


def sandbox_code(rt: Any, phone: str) -> str:
    """The newest SMS code the sandbox gateway delivered to ``phone``."""
    for message in sandbox_messages(rt, phone=phone, limit=20):
        found = re.search(r"验证码(\d{6})", message["text"])
        if found:
            SECRETS.add(found.group(1))
            return found.group(1)
    raise AssertionError(f"no SMS code for {phone}")


async def service_code(rt: Any, phone: str, purpose: Any, client: Any) -> str:
    """Send a code through the service layer and read it from the sandbox outbox."""
    from uidp.services.shared.sms import SmsCodes

    await SmsCodes(rt).send(purpose, phone, client)
    return sandbox_code(rt, phone)


async def register_person(
    rt: Any, client: Any, *, phone: str = "15012340058", seq: str = "121", name: str = "陈心"
) -> Any:
    """An ACTIVE level-1 person registered with a resident ID through RegistrationService."""
    from datetime import date

    from uidp.domain.certificates import CertificateType, ValidityPeriod
    from uidp.services.persons.registration import PersonRegistration, RegistrationService
    from uidp.services.shared.sms import SmsPurpose

    form = PersonRegistration(
        name=name,
        certificate_type=CertificateType.RESIDENT_ID,
        certificate_number=resident_id(seq=seq),
        phone=phone,
        sms_code=await service_code(rt, phone, SmsPurpose.REGISTER, client),
        password=PASSWORD,
        password_confirmation=PASSWORD,
        accept_terms=True,
        valid_from=date(2020, 1, 1),
        validity_period=ValidityPeriod.YEARS_20,
    )
    return await RegistrationService(rt).register(form, client)


async def fails(code: Any, call: Any, field: str | None = None) -> DomainError:
    """Await a service call that must raise DomainError with ``code`` (and ``field``, when given)."""
    with pytest.raises(DomainError) as caught:
        await call
    assert caught.value.code == code, caught.value
    if field:
        assert caught.value.field == field, caught.value.field
    return caught.value


@asynccontextmanager
async def browser(app: Any, address: str = "203.0.113.8") -> AsyncIterator[httpx.AsyncClient]:
    """Another browser (its own cookie jar) on the same app."""
    transport = httpx.ASGITransport(app=app, client=(address, 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
