"""P11 through HTTP: change password and phone, own sessions and bindings, anonymous callers refused."""

from __future__ import annotations

import uuid

import pytest

from tests.support import PASSWORD, resident_id
from uidp.models.binding import ExternalBinding

pytestmark = pytest.mark.anyio
PHONE = "15012340058"
OTHER_PHONE = "15012340059"
NEW_PHONE = "15112345678"
NEW_PASSWORD = "Wuhan@2027new"

CHANGE_PASSWORD = """mutation($i: ChangePasswordInput!) { changePassword(input: $i) { __typename
  ... on PasswordChanged { sessionsEnded } ... on Error { code message field } } }"""
MY_CODE = """mutation($p: SmsPurpose!) { sendMyPhoneCode(input: {purpose: $p}) { __typename
  ... on SmsCodeSent { maskedPhone resendAfter } ... on Error { code message field } } }"""
CHANGE_PHONE = """mutation($i: ChangePhoneInput!) { changePhone(input: $i) { __typename
  ... on PhoneChanged { account { maskedPhone } }
  ... on AccountConflict { appeal }
  ... on Error { code message field } } }"""
SESSIONS = """{ me { ... on PersonAccount {
  sessions { id createdAt lastSeenAt loginMethod maskedClientAddress userAgent current } } } }"""
BINDINGS = "{ me { ... on PersonAccount { bindings { provider createdAt maskedDisplay } } } }"
END = """mutation($id: ID!) { endSession(input: {sessionId: $id}) { __typename
  ... on SessionEnded { sessionId wasCurrent } ... on Error { code message field } } }"""
UNBIND = """mutation($p: String!) { unbindLogin(input: {provider: $p}) { __typename
  ... on LoginUnbound { provider } ... on Error { code message field } } }"""


async def person(api, phone=PHONE, seq="121"):
    form = api.id_card_form(phone=phone, certificateNumber=resident_id(seq=seq))
    registered = await api.register(form)
    assert registered["__typename"] == "PersonRegistered", registered
    return registered["account"]["id"], (await api.login(phone))["token"]


def password_form(current=PASSWORD, new=NEW_PASSWORD, confirmation=None):
    return {"currentPassword": current, "newPassword": new, "newPasswordConfirmation": confirmation or new}


async def test_anonymous_callers_are_refused(api):
    for query in (SESSIONS, BINDINGS):
        body = await api.gql(query)
        assert body == {"data": {"me": None}}, body  # no account, so no sessions or bindings to list
    mutations = (
        (CHANGE_PASSWORD, {"i": password_form()}, "changePassword"),
        (MY_CODE, {"p": "CHANGE_PHONE_OLD"}, "sendMyPhoneCode"),
        (CHANGE_PHONE, {"i": {"oldPhoneCode": "1", "newPhone": NEW_PHONE, "newPhoneCode": "2"}}, "changePhone"),
        (END, {"id": str(uuid.uuid4())}, "endSession"),
        (UNBIND, {"p": "alipay"}, "unbindLogin"),
    )
    for query, variables, name in mutations:
        result = (await api.data(query, variables, token="not-a-session"))[name]
        assert (result["__typename"], result["code"]) == ("NotAuthenticated", "NOT_AUTHENTICATED"), name


async def test_change_password(api):
    _, token = await person(api)
    other_token = (await api.login(PHONE))["token"]
    wrong = await api.data(CHANGE_PASSWORD, {"i": password_form(current="Wrong#2026pw")}, token=token)
    assert (wrong["changePassword"]["code"], wrong["changePassword"]["field"]) == ("WRONG_PASSWORD", "currentPassword")
    weak = (await api.data(CHANGE_PASSWORD, {"i": password_form(new="Ab#" + PHONE)}, token=token))["changePassword"]
    assert (weak["code"], weak["field"]) == ("WEAK_PASSWORD", "newPassword")
    done = (await api.data(CHANGE_PASSWORD, {"i": password_form()}, token=token))["changePassword"]
    assert done == {"__typename": "PasswordChanged", "sessionsEnded": 1}
    assert await api.me(token) is not None
    assert await api.me(other_token) is None
    assert (await api.login(PHONE, NEW_PASSWORD))["__typename"] == "LoginSuccess"


async def test_change_phone_with_both_codes(api):
    await person(api, OTHER_PHONE, "131")
    _, token = await person(api)
    other_token = (await api.login(PHONE))["token"]
    sent = (await api.data(MY_CODE, {"p": "CHANGE_PHONE_OLD"}, token=token))["sendMyPhoneCode"]
    assert sent["maskedPhone"] == "150****0058"
    old_code = api.last_code(PHONE)
    unproven = {"oldPhoneCode": old_code, "newPhone": OTHER_PHONE, "newPhoneCode": "123456"}
    hidden = (await api.data(CHANGE_PHONE, {"i": unproven}, token=token))["changePhone"]
    assert hidden["code"] == "SMS_CODE_INVALID"  # a taken phone is told only to whoever holds it
    taken_code = await api.code_for("CHANGE_PHONE_NEW", OTHER_PHONE)
    taken = (
        await api.data(
            CHANGE_PHONE,
            {"i": {"oldPhoneCode": old_code, "newPhone": OTHER_PHONE, "newPhoneCode": taken_code}},
            token=token,
        )
    )["changePhone"]
    assert (taken["__typename"], taken["code"], taken["appeal"]) == (
        "AccountConflict",
        "PHONE_TAKEN",
        "PHONE_TAKEN_BY_OTHER",
    )
    new_code = await api.code_for("CHANGE_PHONE_NEW", NEW_PHONE)
    bad = await api.data(
        CHANGE_PHONE,
        {
            "i": {
                "oldPhoneCode": "000000" if old_code != "000000" else "111111",
                "newPhone": NEW_PHONE,
                "newPhoneCode": new_code,
            }
        },
        token=token,
    )
    assert (bad["changePhone"]["code"], bad["changePhone"]["field"]) == ("SMS_CODE_INVALID", "oldPhoneCode")
    form = {"oldPhoneCode": old_code, "newPhone": NEW_PHONE, "newPhoneCode": new_code}
    changed = (await api.data(CHANGE_PHONE, {"i": form}, token=token))["changePhone"]
    assert changed == {"__typename": "PhoneChanged", "account": {"maskedPhone": "151****5678"}}
    assert (await api.me(token))["maskedPhone"] == "151****5678"
    api.client.cookies.clear()
    assert await api.me(other_token) is None  # 1.10: every other session of the account ended
    assert (await api.login(NEW_PHONE))["__typename"] == "LoginSuccess"
    wrong_purpose = (await api.data(MY_CODE, {"p": "REGISTER"}, token=token))["sendMyPhoneCode"]
    assert wrong_purpose["code"] == "INVALID_PURPOSE"


async def test_list_and_end_own_sessions(api):
    _, other_token = await person(api, OTHER_PHONE, "131")
    _, token = await person(api)
    second = (await api.login(PHONE))["token"]
    listed = (await api.data(SESSIONS, token=token))["me"]["sessions"]
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert {s["maskedClientAddress"] for s in listed} == {"203.0.113.*"}
    assert {s["loginMethod"] for s in listed} == {"password"}
    other_session = (await api.data(SESSIONS, token=other_token))["me"]["sessions"][0]["id"]
    for foreign in (other_session, str(uuid.uuid4())):
        refused = (await api.data(END, {"id": foreign}, token=token))["endSession"]
        assert (refused["code"], refused["message"], refused["field"]) == ("NOT_FOUND", "记录不存在", "sessionId")
    assert await api.me(other_token) is not None
    not_current = next(s["id"] for s in listed if not s["current"])
    ended = (await api.data(END, {"id": not_current}, token=token))["endSession"]
    assert ended == {"__typename": "SessionEnded", "sessionId": not_current, "wasCurrent": False}
    assert await api.me(second) is None
    current = next(s["id"] for s in listed if s["current"])
    response = await api.post(END, {"id": current}, token=token)
    assert response.json()["data"]["endSession"]["wasCurrent"] is True
    assert "uidp_session=" in response.headers.get("set-cookie", "")
    assert await api.me(token) is None


async def test_list_and_unbind_bindings(api, rt, clock):
    person_id, token = await person(api)
    await ExternalBinding.create(
        id=uuid.uuid4(),
        provider="alipay",
        subject_index=rt.blind.digest("binding:alipay", "2088"),
        subject_kind="person",
        subject_id=person_id,
        display_enc=None,
        created_at=clock.now(),
    )
    listed = (await api.data(BINDINGS, token=token))["me"]["bindings"]
    assert [(b["provider"], b["maskedDisplay"]) for b in listed] == [("alipay", "")]
    done = (await api.data(UNBIND, {"p": "alipay"}, token=token))["unbindLogin"]
    assert done == {"__typename": "LoginUnbound", "provider": "alipay"}
    assert (await api.data(BINDINGS, token=token))["me"]["bindings"] == []
    again = (await api.data(UNBIND, {"p": "alipay"}, token=token))["unbindLogin"]
    assert again["code"] == "NOT_FOUND"


OWN_FIELDS = """mutation($i: RegisterPersonInput!) { registerPerson(input: $i) {
  __typename ... on PersonRegistered { account { sessions { id } bindings { provider } verification { level } } } } }"""


async def test_own_fields_of_another_account_are_empty(api, rt, clock):
    """A logged-in person registering someone else sees none of their own sessions or bindings on that account."""
    person_id, token = await person(api)
    await ExternalBinding.create(
        id=uuid.uuid4(),
        provider="alipay",
        subject_index=rt.blind.digest("binding:alipay", "2088"),
        subject_kind="person",
        subject_id=person_id,
        display_enc=None,
        created_at=clock.now(),
    )
    mine = await api.data(SESSIONS, token=token)
    assert len(mine["me"]["sessions"]) == 1
    forms = [
        api.id_card_form(phone=phone, certificateNumber=resident_id(seq=seq))
        for phone, seq in ((OTHER_PHONE, "131"), ("15012340060", "141"))
    ]
    for form in forms:
        form["smsCode"] = await api.code_for("REGISTER", form["phone"])
    for caller, form in zip((token, None), forms, strict=True):
        api.client.cookies.clear()
        registered = (await api.data(OWN_FIELDS, {"i": form}, token=caller))["registerPerson"]
        assert registered == {
            "__typename": "PersonRegistered",
            "account": {"sessions": [], "bindings": [], "verification": None},
        }, caller
