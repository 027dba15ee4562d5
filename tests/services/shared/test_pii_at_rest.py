"""DESIGN "Data and security": a dump of the database shows no ID number, phone or name; SM4 works too."""

from __future__ import annotations

import pytest
from tortoise import Tortoise, connections

from tests.support import ME, resident_id
from uidp.models.audit import AuditEvent
from uidp.models.person import Person
from uidp.security.cipher import CipherError
from uidp.services.persons.persons import PersonViews

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
    tag = "v2.s.sm1." if rt.cipher.algorithm == "sm4-gcm" else "v2.a.dev1."
    assert tag in dump
    assert "15012340058" not in dump
    me = await api.me((await api.login("15012340058"))["token"])
    assert me["maskedPhone"] == "150****0058"


async def test_a_ciphertext_copied_to_another_row_does_not_open_there(api, rt):
    """PII is sealed for its column and its row: B showing A's phone would be a silent wrong value."""
    a = await api.register(api.id_card_form())
    b = await api.register(api.id_card_form(certificateNumber=resident_id(seq="122"), phone="15012340059"))
    b_token = (await api.login("15012340059"))["token"]
    a_row = await Person.get(id=a["account"]["id"])
    await Person.filter(id=b["account"]["id"]).update(phone_enc=a_row.phone_enc)

    body = await api.gql(ME, token=b_token)
    assert body["data"] is None or body["data"]["me"] is None, body
    assert body["errors"] and "150****0058" not in str(body)
    with pytest.raises(CipherError, match=f"person.phone of row {b['account']['id']}: .*another column or row"):
        _ = PersonViews(rt).view(await Person.get(id=b["account"]["id"])).masked_phone
    # A's own row is untouched and still opens
    assert PersonViews(rt).view(a_row).masked_phone == "150****0058"
