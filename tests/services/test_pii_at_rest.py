"""DESIGN "Data and security": a dump of the database shows no ID number, phone or name; SM4 works too."""

from __future__ import annotations

import pytest
from tortoise import Tortoise, connections

from tests.support import resident_id
from uidp.models.audit import AuditEvent

pytestmark = pytest.mark.anyio


async def dump_database() -> str:
    rows = []
    for app in Tortoise.apps.values():
        for model in app.values():
            table = model._meta.db_table
            _, result = await connections.get("default").execute_query(f'SELECT * FROM "{table}"')
            rows += [repr(dict(row)) for row in result]
    return "\n".join(rows)


async def register_and_log_in(api):
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    assert (await api.login("15012340058"))["__typename"] == "LoginSuccess"
    await api.login("15012340058", "Wrong#2026pw")


async def test_dump_shows_no_pii(api):
    await register_and_log_in(api)
    dump = await dump_database()
    assert "person" in dump or "ACTIVE" in dump
    for secret in (resident_id(), resident_id()[-10:], "15012340058", "陈心", "Hubei#2026ok"):
        assert secret not in dump, secret
    assert await AuditEvent.all().count() >= 3


@pytest.fixture(params=["aes-256-gcm", "sm4-gcm"])
def settings(make_settings, request):
    if request.param == "sm4-gcm":
        return make_settings(pii_algorithm="sm4-gcm", pii_keys="sm1:" + "A" * 22 + "==")
    return make_settings()


async def test_ciphertext_names_algorithm_and_key(api, rt):
    await register_and_log_in(api)
    dump = await dump_database()
    tag = "v1.s.sm1." if rt.cipher.algorithm == "sm4-gcm" else "v1.a.dev1."
    assert tag in dump
    assert "15012340058" not in dump
    me = await api.me((await api.login("15012340058"))["token"])
    assert me["maskedPhone"] == "150****0058"
