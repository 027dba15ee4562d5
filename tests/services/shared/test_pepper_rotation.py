"""The pepper's dual period: persons log in throughout, each right password moves to the new pepper, a wrong
one is refused under both, and once nothing is left the old pepper goes without locking anyone out."""

from __future__ import annotations

import asyncio
import base64
import secrets
from datetime import UTC

import pytest

from tests.support import PASSWORD, resident_id
from uidp.security.passwords import PasswordHasher
from uidp.services.shared.pepper_rotation import passwords_under_old_pepper, report_lines

pytestmark = pytest.mark.anyio

PHONES = ("15012340058", "15012340059", "15012340060")


async def _register_all(api):
    for seq, phone in zip(("121", "122", "123"), PHONES, strict=True):
        form = api.id_card_form(phone=phone, certificateNumber=resident_id(seq=seq))
        assert (await api.register(form))["__typename"] == "PersonRegistered"


def _roll_out(rt, clock) -> bytes:
    """Every worker restarted with a new pepper, the old one as UIDP_PASSWORD_PEPPER_OLD; returns the new one."""
    new = secrets.token_bytes(32)
    clock.advance(1)
    rt.settings.password_pepper_old = rt.settings.password_pepper
    rt.settings.password_pepper = base64.b64encode(new).decode()
    rt.settings.password_pepper_rotated_at = clock.now().astimezone(UTC).isoformat()
    rt.hasher = PasswordHasher(new, rt.settings.bcrypt_rounds, old_pepper=rt.settings.key_bytes("password_pepper_old"))
    return new


async def test_passwords_move_at_login_while_persons_log_in(api, rt, clock):
    await _register_all(api)
    new = _roll_out(rt, clock)
    assert await passwords_under_old_pepper(rt.settings) == {"person": 3}

    async def log_in(phone: str) -> list[str]:
        return [(await api.login(phone, PASSWORD))["__typename"] for _ in range(3)]

    answers = await asyncio.gather(*(log_in(phone) for phone in PHONES))
    assert {a for answer in answers for a in answer} == {"LoginSuccess"}
    assert (await api.login(PHONES[0], "Wrong#2026pw"))["__typename"] == "LoginFailed"  # not under either
    remaining = await passwords_under_old_pepper(rt.settings)
    assert not any(remaining.values())
    assert report_lines(remaining, True)[0].startswith("every password is under the new pepper")

    rt.settings.password_pepper_old = rt.settings.password_pepper_rotated_at = ""
    rt.hasher = PasswordHasher(new, rt.settings.bcrypt_rounds)  # the old pepper removed
    for phone in PHONES:
        assert (await api.login(phone, PASSWORD))["__typename"] == "LoginSuccess"


async def test_who_has_not_logged_in_is_counted_and_told(api, rt, clock):
    await _register_all(api)
    _roll_out(rt, clock)
    assert (await api.login(PHONES[0], PASSWORD))["__typename"] == "LoginSuccess"
    remaining = await passwords_under_old_pepper(rt.settings)
    assert remaining == {"person": 2}
    lines = report_lines(remaining, True)
    assert lines[0] == "passwords still under the old pepper: 2 person; each moves at its owner's next login"


def test_the_rotation_settings_are_checked(make_settings):
    from uidp.config import ConfigError

    settings = make_settings()
    with pytest.raises(ConfigError, match="must differ"):
        make_settings(password_pepper_old=settings.password_pepper, password_pepper_rotated_at="2026-12-01T00:00Z")
    old = base64.b64encode(secrets.token_bytes(32)).decode()
    with pytest.raises(ConfigError, match="UIDP_PASSWORD_PEPPER_ROTATED_AT"):
        make_settings(password_pepper_old=old)
    with pytest.raises(ConfigError, match="time zone"):
        make_settings(password_pepper_old=old, password_pepper_rotated_at="2026-12-01T00:00")
    assert make_settings(password_pepper_old=old, password_pepper_rotated_at="2026-12-01T08:00+08:00").pepper_rotation()


def test_the_old_pepper_opens_only_its_own_hashes():
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    legacy = PasswordHasher(old, 4).hash_sync(PASSWORD)
    dual = PasswordHasher(new, 4, old_pepper=old)
    assert dual.verify_sync(PASSWORD, legacy) and dual.needs_rehash(legacy)
    fresh = dual.hash_sync(PASSWORD)
    assert dual.verify_sync(PASSWORD, fresh) and not dual.needs_rehash(fresh)
    assert not dual.verify_sync("Wrong#2026pw", legacy) and not dual.verify_sync(PASSWORD, None)
    assert not PasswordHasher(new, 4).verify_sync(PASSWORD, legacy)  # without the old pepper it is gone
