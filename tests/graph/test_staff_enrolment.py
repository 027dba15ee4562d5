"""Staff enrolment through HTTP (A2): the member chooses password and TOTP at first login; whoever created the
account or reset its second factor holds only a single-use setup code and cannot log in as the member."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support import COMPLETE_ENROLMENT, STAFF_PASSWORD, START_ENROLMENT, staff_token
from uidp.models.audit import AuditEvent
from uidp.models.staff import StaffAccount, StaffEnrolment, StaffTotp
from uidp.security.totp import b32decode, totp
from uidp.services.staff.staff import StaffService

pytestmark = pytest.mark.anyio

CREATE_STAFF = """mutation($i: CreateStaffInput!){ createStaff(input:$i){ __typename
  ... on StaffCreated { setupCode setupCodeExpiresAt staff { username roles displayName } }
  ... on Error { code field message } } }"""
ISSUE_CODE = """mutation($i: IssueStaffSetupCodeInput!){ issueStaffSetupCode(input:$i){ __typename
  ... on StaffSetupCodeIssued { username setupCode expiresAt needsCurrentPassword } ... on Error { code field } } }"""
LOGIN_STAFF = """mutation($i: LoginStaffInput!){ loginStaff(input:$i){ __typename
  ... on LoginSuccess { token viewer { __typename ... on StaffMember { username roles } } }
  ... on LoginFailed { code field captchaRequired } ... on Error { code field } } }"""


async def create(api, admin: str, username: str = "Bob", roles=("OPERATOR",)) -> dict:
    form = {"username": username, "roles": list(roles), "displayName": "鲍勃"}
    return (await api.data(CREATE_STAFF, {"i": form}, token=admin))["createStaff"]


async def start(api, username: str, code: str) -> dict:
    return (await api.data(START_ENROLMENT, {"i": {"username": username, "setupCode": code}}))["startStaffEnrolment"]


async def complete(api, token: str, code: str, password: str | None = STAFF_PASSWORD, **extra) -> dict:
    form = {"enrolmentToken": token, "totpCode": code, **extra}
    if password is not None:
        form |= {"password": password, "passwordConfirmation": password}
    return (await api.data(COMPLETE_ENROLMENT, {"i": form}))["completeStaffEnrolment"]


async def login_staff(api, username: str, password: str = STAFF_PASSWORD, code: str | None = None) -> dict:
    variables = {"username": username, "password": password}
    if code is not None:
        variables["totpCode"] = code
    return (await api.data(LOGIN_STAFF, {"i": variables}))["loginStaff"]


async def test_the_member_sets_password_and_totp_at_first_login(api, rt, clock):
    admin = await staff_token(rt, "administrator", username="root")
    created = await create(api, admin)
    assert created["staff"] == {"username": "bob", "roles": ["operator"], "displayName": "鲍勃"}
    assert "otpauth" not in str(created) and len(created["setupCode"]) == 19  # XXXX-XXXX-XXXX-XXXX
    # before enrolment the account has no password: nothing logs in
    assert (await login_staff(api, "bob", code="000000"))["code"] == "INVALID_CREDENTIALS"

    started = await start(api, "BOB", created["setupCode"].lower().replace("-", " "))
    assert started["__typename"] == "StaffEnrolmentStarted" and started["needsCurrentPassword"] is False
    uri = urlparse(started["otpauthUri"])
    secret = b32decode(parse_qs(uri.query)["secret"][0])
    assert uri.scheme == "otpauth" and "bob" in uri.path and b32decode(started["totpSecret"]) == secret

    weak = await complete(api, started["enrolmentToken"], totp(secret, clock.now()), password="weak")
    assert (weak["code"], weak["field"]) == ("WEAK_PASSWORD", "password")
    wrong_code = "000000" if totp(secret, clock.now()) != "000000" else "111111"
    wrong = await complete(api, started["enrolmentToken"], wrong_code)
    assert (wrong["code"], wrong["field"]) == ("SECOND_FACTOR_INVALID", "totpCode")
    done = await complete(api, started["enrolmentToken"], totp(secret, clock.now()))
    assert done["__typename"] == "LoginSuccess"
    assert done["viewer"] == {"__typename": "StaffMember", "username": "bob", "roles": ["operator"]}
    assert (await api.me(done["token"]))["username"] == "bob"
    again = await complete(api, started["enrolmentToken"], totp(secret, clock.now()))
    assert (again["code"], again["field"]) == ("STEP_INVALID", "enrolmentToken")

    clock.advance(30)
    assert (await login_staff(api, "bob", code=totp(secret, clock.now())))["__typename"] == "LoginSuccess"
    bob = await StaffAccount.get(username="bob")
    trail = [e.event_type for e in await AuditEvent.filter(subject_id=bob.id).order_by("at", "event_type")]
    assert {"staff.created", "staff.setup_code_issued", "staff.enrolment_started", "staff.enrolled"} <= set(trail)
    issued = await AuditEvent.get(event_type="staff.setup_code_issued", subject_id=bob.id)
    assert issued.actor_kind == "staff" and created["setupCode"] not in str(issued.details)
    assert await StaffEnrolment.filter(staff_id=bob.id).count() == 0


async def test_the_administrator_who_created_the_account_cannot_log_in_as_it(api, rt, clock):
    """The creator holds the username and the spent setup code; they never saw the password or the secret."""
    admin = await staff_token(rt, "administrator", username="root")
    created = await create(api, admin)
    started = await start(api, "bob", created["setupCode"])
    secret = b32decode(started["totpSecret"])
    await complete(api, started["enrolmentToken"], totp(secret, clock.now()), password="Bobs#Own2026")
    # the setup code is single use: the creator cannot start another enrolment with it
    reused = await start(api, "bob", created["setupCode"])
    assert (reused["code"], reused["field"]) == ("SETUP_CODE_INVALID", "setupCode")
    # the password the creator might have guessed (the old default of the tests) does not open the account
    clock.advance(30)
    guess = await login_staff(api, "bob", STAFF_PASSWORD, code="123456")
    assert guess["__typename"] == "LoginFailed" and guess["code"] == "INVALID_CREDENTIALS"
    # nothing the creator's calls answered carries the member's secret
    assert started["totpSecret"] not in str(created)


async def test_a_totp_reset_needs_the_members_current_password(api, rt, clock):
    """An administrator resets Bob's TOTP and tries to enrol their own authenticator with the setup code."""
    admin = await staff_token(rt, "administrator", username="root")
    created = await create(api, admin)
    first = await start(api, "bob", created["setupCode"])
    old_secret = b32decode(first["totpSecret"])
    bob = (await complete(api, first["enrolmentToken"], totp(old_secret, clock.now()), password="Bobs#Own2026"))[
        "token"
    ]
    reset = (await api.data(ISSUE_CODE, {"i": {"username": "bob"}}, token=admin))["issueStaffSetupCode"]
    assert reset["needsCurrentPassword"] is True
    assert await api.me(bob) is None  # Bob's sessions ended with the old second factor
    assert await StaffTotp.filter(staff_id=(await StaffAccount.get(username="bob")).id).count() == 0
    hijack = await start(api, "bob", reset["setupCode"])
    assert hijack["needsCurrentPassword"] is True
    mine = b32decode(hijack["totpSecret"])
    no_password = await complete(api, hijack["enrolmentToken"], totp(mine, clock.now()), password=None)
    assert (no_password["code"], no_password["field"]) == ("REQUIRED", "currentPassword")
    guessed = await complete(
        api, hijack["enrolmentToken"], totp(mine, clock.now()), password=None, currentPassword=STAFF_PASSWORD
    )
    assert (guessed["code"], guessed["field"]) == ("WRONG_PASSWORD", "currentPassword")
    clock.advance(30)
    assert (await login_staff(api, "bob", "Bobs#Own2026", code=totp(mine, clock.now())))["__typename"] == (
        "LoginFailed"
    )
    # Bob asks for a new code, and only he can finish it
    again = (await api.data(ISSUE_CODE, {"i": {"username": "bob"}}, token=admin))["issueStaffSetupCode"]
    own = await start(api, "bob", again["setupCode"])
    new_secret = b32decode(own["totpSecret"])
    done = await complete(
        api, own["enrolmentToken"], totp(new_secret, clock.now()), password=None, currentPassword="Bobs#Own2026"
    )
    assert done["__typename"] == "LoginSuccess"


async def test_setup_code_guesses_are_limited_and_kill_the_code(api, rt, settings):
    admin = await staff_token(rt, "administrator", username="root")
    created = await create(api, admin)
    guesses = [f"AAAA-BBBB-CCCC-{n:04d}" for n in range(settings.staff_enrolment_max_tries + 5)]
    answers = await asyncio.gather(*(start(api, "bob", guess) for guess in guesses))
    codes = [a["code"] for a in answers]
    assert codes.count("SETUP_CODE_INVALID") == settings.staff_enrolment_max_tries, codes
    assert codes.count("ENROLMENT_LOCKED") == 5
    late = await start(api, "bob", created["setupCode"])  # the right code after the limit: refused, and dead
    assert late["code"] == "ENROLMENT_LOCKED"
    assert await StaffEnrolment.all().count() == 0
    unknown = [await start(api, "nobody", "AAAA-BBBB-CCCC-DDDD") for _ in range(2)]
    assert {u["code"] for u in unknown} == {"SETUP_CODE_INVALID"}  # an unknown name answers like a wrong code


async def test_a_setup_code_is_spent_once_by_concurrent_starts(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    created = await create(api, admin)
    answers = await asyncio.gather(*(start(api, "bob", created["setupCode"]) for _ in range(4)))
    kinds = [a["__typename"] for a in answers]
    assert kinds.count("StaffEnrolmentStarted") == 1, answers


async def test_setup_codes_expire(api, rt, clock, settings):
    admin = await staff_token(rt, "administrator", username="root")
    created = await create(api, admin)
    clock.advance(settings.staff_setup_code_hours * 3600)
    expired = await start(api, "bob", created["setupCode"])
    assert expired["code"] == "SETUP_CODE_INVALID"
    admin = await staff_token(rt, "administrator", username="root2")  # the first session ended long ago
    fresh = (await api.data(ISSUE_CODE, {"i": {"username": "bob"}}, token=admin))["issueStaffSetupCode"]
    assert fresh["needsCurrentPassword"] is False  # never enrolled: a first enrolment again
    assert (await start(api, "bob", fresh["setupCode"]))["__typename"] == "StaffEnrolmentStarted"


async def test_create_staff_bad_input_and_no_password_field(api, rt):
    admin = await staff_token(rt, "administrator", username="root")
    cases = [
        ({"username": "root", "roles": ["REVIEWER"]}, "ALREADY_EXISTS", "username"),
        ({"username": "x y", "roles": ["REVIEWER"]}, "INVALID_FORMAT", "username"),
        ({"username": "carol", "roles": []}, "REQUIRED", "roles"),
    ]
    for form, code, field in cases:
        result = (await api.data(CREATE_STAFF, {"i": form}, token=admin))["createStaff"]
        assert (result["__typename"], result["code"], result["field"]) == ("FieldError", code, field), form
    with_password = await api.gql(
        CREATE_STAFF, {"i": {"username": "carol", "password": STAFF_PASSWORD, "roles": ["REVIEWER"]}}, token=admin
    )
    assert with_password["data"] is None  # the administrator cannot choose the member's password
    assert await StaffService(rt).by_username("carol") is None
    reviewer = await staff_token(rt, "reviewer", username="rita")
    refused = (await api.data(ISSUE_CODE, {"i": {"username": "root"}}, token=reviewer))["issueStaffSetupCode"]
    assert refused["__typename"] == "Forbidden"
