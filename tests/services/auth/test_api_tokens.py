"""A2 API tokens at the service level: hashed at rest, scoped, expiring, revocable; staff TOTP at login."""

from __future__ import annotations

import pytest

from tests.support import enrol_staff
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.staff import StaffAccount, StaffTotp
from uidp.models.staff_token import StaffApiToken
from uidp.security.tokens import token_digest
from uidp.security.totp import b32decode, totp
from uidp.services.auth.api_tokens import ApiTokens
from uidp.services.auth.login import LoginService
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.captcha import CaptchaService
from uidp.services.shared.principal import ClientInfo
from uidp.services.staff.staff import StaffService
from uidp.services.staff.staff_enrolment import StaffEnrolments

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.20")
PASSWORD = "Staff#2026pw"


@pytest.fixture
def settings(make_settings):
    return make_settings(login_captcha_after=100)


@pytest.fixture
async def enrolled(rt, clock):
    member = await enrol_staff(rt, "administrator", username="root", password=PASSWORD)
    clock.advance(30)  # enrolment spent this step's code
    return member


@pytest.fixture
async def admin(enrolled):
    return enrolled.staff


async def test_token_is_stored_hashed_and_resolves_with_scopes(rt, admin):
    issued = await ApiTokens(rt).create(
        staff_username="ROOT", name="nightly", scopes=["audit", "Persons"], expires_in_days=7
    )
    assert issued.token.startswith("uidp_pat_")
    row = await StaffApiToken.get(id=issued.record.id)
    assert row.token_hash == token_digest(issued.token) and issued.token not in str(row.__dict__)
    assert row.scopes == ["audit", "persons"] and row.last_used_at is None
    principal = await Sessions(rt).principal(issued.token)
    assert principal.kind == "staff" and principal.id == admin.id
    assert principal.roles == ("administrator",) and principal.scopes == ("audit", "persons")
    assert (await StaffApiToken.get(id=row.id)).last_used_at == rt.clock.now()
    created = await AuditEvent.get(event_type="api_token.created")
    assert issued.token not in str(created.details) and created.details["scopes"] == ["audit", "persons"]


async def test_expired_token_raises_token_expired(rt, admin, clock):
    issued = await ApiTokens(rt).create(staff_username="root", name="short", scopes=["audit"], expires_in_days=1)
    clock.advance(86400 - 1)
    assert await Sessions(rt).principal(issued.token) is not None
    clock.advance(1)
    with pytest.raises(DomainError) as expired:
        await Sessions(rt).principal(issued.token)
    assert expired.value.code == ErrorCode.TOKEN_EXPIRED


async def test_revoked_unknown_and_deactivated(rt, admin):
    tokens = ApiTokens(rt)
    issued = await tokens.create(staff_username="root", name="a", scopes=["audit"], expires_in_days=3)
    assert await Sessions(rt).principal("uidp_pat_" + "x" * 43) is None
    await tokens.revoke(issued.record.id, actor=None)
    assert await Sessions(rt).principal(issued.token) is None
    with pytest.raises(DomainError) as again:
        await tokens.revoke(issued.record.id, actor=None)
    assert again.value.code == ErrorCode.NOT_FOUND
    other = await tokens.create(staff_username="root", name="b", scopes=["audit"], expires_in_days=3)
    await StaffAccount.filter(id=admin.id).update(active=False)
    assert await Sessions(rt).principal(other.token) is None


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"name": ""}, "name", ErrorCode.INVALID_FORMAT),
        ({"scopes": []}, "scopes", ErrorCode.REQUIRED),
        ({"scopes": ["everything"]}, "scopes", ErrorCode.INVALID_FORMAT),
        ({"expires_in_days": 0}, "expiresInDays", ErrorCode.INVALID_FORMAT),
        ({"expires_in_days": 367}, "expiresInDays", ErrorCode.INVALID_FORMAT),
        ({"staff_username": "nobody"}, "staffUsername", ErrorCode.NOT_FOUND),
    ],
)
async def test_bad_token_requests_store_nothing(rt, admin, kwargs, field, code):
    values = {"staff_username": "root", "name": "n", "scopes": ["audit"], "expires_in_days": 30, **kwargs}
    with pytest.raises(DomainError) as refused:
        await ApiTokens(rt).create(**values)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert await StaffApiToken.all().count() == 0


async def test_staff_login_needs_a_fresh_totp_code(rt, admin, enrolled, clock):
    service = LoginService(rt)
    secret = enrolled.secret
    assert PASSWORD not in (await StaffTotp.get(staff_id=admin.id)).secret_enc
    with pytest.raises(DomainError) as missing:
        await service.login_with_password("root", PASSWORD, CLIENT, realm="staff")
    assert missing.value.code == ErrorCode.SECOND_FACTOR_REQUIRED
    with pytest.raises(DomainError) as wrong_password:
        await service.login_with_password("root", "Wrong#2026pw", CLIENT, realm="staff")
    assert wrong_password.value.code == ErrorCode.INVALID_CREDENTIALS  # no hint that a code is next
    code = totp(secret, clock.now())
    outcome = await service.login_with_password("root", PASSWORD, CLIENT, realm="staff", totp_code=code)
    assert outcome.subject_kind == "staff"
    with pytest.raises(DomainError) as replayed:
        await service.login_with_password("root", PASSWORD, CLIENT, realm="staff", totp_code=code)
    assert replayed.value.code == ErrorCode.SECOND_FACTOR_INVALID
    clock.advance(30)
    assert await service.login_with_password(
        "root", PASSWORD, CLIENT, realm="staff", totp_code=totp(secret, clock.now())
    )


async def test_wrong_codes_count_towards_the_lock(rt, admin, enrolled, settings, clock):
    service = LoginService(rt)
    secret = enrolled.secret
    wrong_code = "000000" if totp(secret, clock.now()) != "000000" else "111111"
    for _ in range(settings.login_lock_after):
        with pytest.raises(DomainError) as wrong:
            await service.login_with_password("root", PASSWORD, CLIENT, realm="staff", totp_code=wrong_code)
        assert (wrong.value.code, wrong.value.field) == (ErrorCode.SECOND_FACTOR_INVALID, "totpCode")
    assert await AuditEvent.filter(event_type="account.locked").count() == 1
    # locked: even the right password, code and captcha answer like a wrong password
    captcha = await CaptchaService(rt).issue()
    with pytest.raises(DomainError) as locked:
        await service.login_with_password(
            "root",
            PASSWORD,
            CLIENT,
            realm="staff",
            totp_code=totp(secret, clock.now()),
            captcha_id=captcha.id,
            captcha_answer=CaptchaService(rt).peek(captcha.id),
        )
    assert locked.value.code == ErrorCode.INVALID_CREDENTIALS
    failed = await AuditEvent.filter(event_type="login.failed").order_by("at")
    assert [e.details["reason"] for e in failed][:5] == ["second_factor"] * 5


async def test_totp_tries_are_counted_before_the_check(rt, admin, enrolled, settings, clock):
    service = StaffService(rt)
    right = totp(enrolled.secret, clock.now())
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(settings.staff_totp_max_tries):
        assert await service.check_totp(admin.id, wrong) is False
    with pytest.raises(DomainError) as over:
        await service.check_totp(admin.id, right)
    assert (over.value.code, over.value.field) == (ErrorCode.SECOND_FACTOR_LOCKED, "totpCode")
    await rt.store.delete(f"staff:totp:tries:{admin.id}")  # the window ends
    assert await service.check_totp(admin.id, right) is True  # the refused right code had not been spent


async def test_a_new_setup_code_kills_the_old_totp_and_needs_the_current_password(rt, admin, enrolled, clock):
    service = StaffService(rt)
    assert (await Sessions(rt).principal(enrolled.token)) is not None
    setup = await service.new_setup_code("ROOT", actor=None)
    assert setup.purpose == "totp_reset"
    assert await Sessions(rt).principal(enrolled.token) is None  # the member's sessions ended
    login = LoginService(rt)
    with pytest.raises(DomainError) as stale:
        await login.login_with_password(
            "root", PASSWORD, CLIENT, realm="staff", totp_code=totp(enrolled.secret, clock.now())
        )
    assert stale.value.code == ErrorCode.SECOND_FACTOR_INVALID
    enrolments = StaffEnrolments(rt)
    started = await enrolments.start("root", setup.code, CLIENT)
    assert started.needs_current_password
    new_secret = b32decode(started.totp_secret)
    with pytest.raises(DomainError) as wrong:
        await enrolments.complete(
            started.token,
            totp_code=totp(new_secret, clock.now()),
            password=None,
            password_confirmation=None,
            current_password="Wrong#2026pw",
            client=CLIENT,
        )
    assert (wrong.value.code, wrong.value.field) == (ErrorCode.WRONG_PASSWORD, "currentPassword")
    staff, issued = await enrolments.complete(
        started.token,
        totp_code=totp(new_secret, clock.now()),
        password=None,
        password_confirmation=None,
        current_password=PASSWORD,
        client=CLIENT,
    )
    assert staff.id == admin.id and await Sessions(rt).principal(issued.token) is not None
    clock.advance(30)
    assert await login.login_with_password(
        "root", PASSWORD, CLIENT, realm="staff", totp_code=totp(new_secret, clock.now())
    )
    assert await AuditEvent.filter(event_type="staff.totp_reset").count() == 1
    with pytest.raises(DomainError) as unknown:
        await service.new_setup_code("ghost", actor=None)
    assert unknown.value.code == ErrorCode.NOT_FOUND


async def test_proving_ownership_for_a_shell_token(rt, admin, enrolled, settings, clock):
    service = StaffService(rt)
    right = totp(enrolled.secret, clock.now())
    with pytest.raises(DomainError) as wrong_password:
        await service.prove_owner("root", "Wrong#2026pw", right, label="cli:ops")
    assert wrong_password.value.code == ErrorCode.INVALID_CREDENTIALS
    owner = await service.prove_owner("ROOT", PASSWORD, right, label="cli:ops")
    assert (owner.kind, owner.id, owner.via_token, owner.label) == ("staff", admin.id, False, "cli:ops")
    issued = await ApiTokens(rt).create(
        staff_username="root", name="shell", scopes=["audit"], expires_in_days=1, actor=owner
    )
    event = await AuditEvent.get(event_type="api_token.created")
    assert (event.actor_id, event.details["actor"]) == (admin.id, "cli:ops") and issued.token
    with pytest.raises(DomainError) as replayed:
        await service.prove_owner("root", PASSWORD, right, label=None)
    assert replayed.value.code == ErrorCode.INVALID_CREDENTIALS
    for _ in range(settings.staff_totp_max_tries):  # every try counts, before password or code is checked
        with pytest.raises(DomainError):
            await service.prove_owner("root", "Wrong#2026pw", "000000", label=None)
    clock.advance(30)
    with pytest.raises(DomainError) as locked:
        await service.prove_owner("root", PASSWORD, totp(enrolled.secret, clock.now()), label=None)
    assert locked.value.code == ErrorCode.SECOND_FACTOR_LOCKED
