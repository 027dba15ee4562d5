"""P10 through HTTP: the notice, confirmation errors, erasure, the cookie, and registering again."""

from __future__ import annotations

import pytest
from tortoise import Tortoise, connections

from tests.support import resident_id

pytestmark = pytest.mark.anyio
PHONE = "15012340058"

NOTICE = "{ cancellationNotice { consequences afterwards } }"
MY_CODE = """mutation { sendMyPhoneCode(input: {purpose: CANCEL_ACCOUNT}) { __typename
  ... on SmsCodeSent { maskedPhone } ... on Error { code message field } } }"""
CANCEL = """mutation($i: CancelAccountInput!) { cancelAccount(input: $i) { __typename
  ... on AccountCancelled { ok } ... on Error { code message field } } }"""


async def dump_database() -> str:
    rows = []
    for app in Tortoise.apps.values():
        for model in app.values():
            _, result = await connections.get("default").execute_query(f'SELECT * FROM "{model._meta.db_table}"')
            rows += [repr(dict(row)) for row in result]
    return "\n".join(rows)


async def registered(api, phone=PHONE):
    result = await api.register(api.id_card_form(phone=phone))
    assert result["__typename"] == "PersonRegistered", result
    return result["account"]["id"], (await api.login(phone))["token"]


async def cancel(api, token, number, code):
    return (await api.data(CANCEL, {"i": {"certificateNumber": number, "smsCode": code}}, token=token))["cancelAccount"]


async def test_notice_lists_the_five_consequences(api):
    notice = (await api.data(NOTICE))["cancellationNotice"]
    assert len(notice["consequences"]) == 5
    assert notice["consequences"][0] == "账号信息将永久删除"
    assert "重新注册" in notice["afterwards"]


async def test_cancel_account_erases_everything(api, rt):
    person_id, token = await registered(api)
    sent = (await api.data(MY_CODE, token=token))["sendMyPhoneCode"]
    assert sent == {"__typename": "SmsCodeSent", "maskedPhone": "150****0058"}
    response = await api.post(
        CANCEL, {"i": {"certificateNumber": resident_id(), "smsCode": api.last_code(PHONE)}}, token=token
    )
    assert response.json()["data"]["cancelAccount"] == {"__typename": "AccountCancelled", "ok": True}
    assert 'uidp_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]

    dump = await dump_database()
    indexes = (rt.blind.digest("certificate:RESIDENT_ID", resident_id()), rt.blind.digest("phone", PHONE))
    for secret in (resident_id(), PHONE, "陈心", *indexes):
        assert secret not in dump, secret
    assert await api.me(token) is None
    assert (await api.login(PHONE))["__typename"] == "LoginFailed"
    again = (await api.data(MY_CODE, token=token))["sendMyPhoneCode"]
    assert again["code"] == "NOT_AUTHENTICATED"

    new_id, new_token = await registered(api, phone="15012340060")  # same ID, new unrelated account
    assert new_id != person_id
    assert (await api.me(new_token))["maskedCertificateNumber"].endswith(resident_id()[-4:])


async def test_wrong_certificate_or_code_changes_nothing(api):
    _, token = await registered(api)
    await api.data(MY_CODE, token=token)
    code = api.last_code(PHONE)
    wrong_id = await cancel(api, token, resident_id(seq="131"), code)
    assert (wrong_id["code"], wrong_id["field"]) == ("CERTIFICATE_MISMATCH", "certificateNumber")
    wrong_code = await cancel(api, token, resident_id(), "000000" if code != "000000" else "111111")
    assert (wrong_code["code"], wrong_code["field"]) == ("SMS_CODE_INVALID", "smsCode")
    assert (await api.me(token))["maskedPhone"] == "150****0058"
    api.client.cookies.clear()  # the login left its session cookie in the client
    anonymous = await cancel(api, None, resident_id(), code)
    assert anonymous["__typename"] == "NotAuthenticated"
    assert (await cancel(api, token, resident_id(), code))["__typename"] == "AccountCancelled"


async def test_a_legal_representative_cannot_cancel(api, rt):
    """E1 needs a real-name representative: while the person represents an entity, cancellation is refused."""
    import uuid

    from uidp.models.entity import Entity, EntityType
    from uidp.models.person import Person

    await api.register(api.id_card_form())
    token = (await api.login("15012340058"))["token"]
    person = await Person.get()
    now = rt.clock.now()
    await Entity.create(
        id=uuid.uuid4(),
        entity_type=EntityType.ENTERPRISE,
        credit_code_index="x",
        credit_code_enc="x",
        name_enc="x",
        representative_id=person.id,
        contact_name_enc="x",
        contact_certificate_number_enc="x",
        contact_phone_enc="x",
        contact_phone_index="x",
        created_at=now,
        updated_at=now,
    )
    cancel = 'mutation { cancelAccount(input: {certificateNumber: "x", smsCode: "000000"}) { ... on Error { code } } }'
    result = await api.data(cancel, token=token)
    assert result["cancelAccount"]["code"] == "REPRESENTS_ENTITY"
    assert await Person.filter(id=person.id).exists()
