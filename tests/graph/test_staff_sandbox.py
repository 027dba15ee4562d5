"""Staff login and the staff-only sandbox readers (X1/X2 on the dev profile) through HTTP."""

from __future__ import annotations

import pytest

from tests.support import enrol_staff
from uidp.security.totp import totp

pytestmark = pytest.mark.anyio

STAFF_PASSWORD = "Staff#2026pw"
LOGIN_STAFF = """mutation($i: LoginStaffInput!){ loginStaff(input:$i){ __typename
  ... on LoginSuccess { token viewer { __typename ... on StaffMember { username roles } } }
  ... on Error { code } } }"""
OUTBOX = "query($p: String){ sandboxOutbox(phone: $p) { phone purpose text } }"
ANSWER = "query($c: String!){ sandboxCaptchaAnswer(captchaId: $c) }"


@pytest.fixture
async def staff_token(api, rt):
    enrolled = await enrol_staff(rt, "reviewer", username="alice", password=STAFF_PASSWORD)
    rt.clock.advance(30)  # enrolment spent this step's code
    code = totp(enrolled.secret, rt.clock.now())
    login = {"username": "Alice", "password": STAFF_PASSWORD, "totpCode": code}
    result = (await api.data(LOGIN_STAFF, {"i": login}))["loginStaff"]
    assert result["__typename"] == "LoginSuccess", result
    assert result["viewer"] == {"__typename": "StaffMember", "username": "alice", "roles": ["reviewer"]}
    return result["token"]


async def test_staff_reads_outbox_and_captcha(api, staff_token):
    await api.send_code("REGISTER", "15012340058")
    outbox = (await api.data(OUTBOX, {"p": "15012340058"}, token=staff_token))["sandboxOutbox"]
    assert outbox[0]["purpose"] == "REGISTER" and "验证码" in outbox[0]["text"]
    captcha = (await api.data("mutation { requestCaptcha { id } }"))["requestCaptcha"]["id"]
    answer = (await api.data(ANSWER, {"c": captcha}, token=staff_token))["sandboxCaptchaAnswer"]
    assert len(answer) == 4


async def test_public_responses_never_carry_the_answer(api, rt):
    body = await api.gql("mutation { requestCaptcha { id imagePng expiresAt } }")
    captcha = body["data"]["requestCaptcha"]
    from uidp.services.shared.captcha import CaptchaService

    assert CaptchaService(rt).peek(captcha["id"]) not in str(body).replace(captcha["imagePng"], "")


async def test_anonymous_and_persons_are_refused(api):
    anonymous = await api.gql(OUTBOX)
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    await api.register(api.id_card_form())
    token = (await api.login("15012340058"))["token"]
    person = await api.gql(OUTBOX, token=token)
    assert person["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert person["data"] is None


async def test_staff_password_is_not_a_person_login(api, staff_token):
    result = await api.login("alice", STAFF_PASSWORD)
    assert result["code"] == "INVALID_CREDENTIALS"
