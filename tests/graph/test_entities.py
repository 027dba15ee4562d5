"""E1 and E2 through HTTP: a person registers, proves to be the legal representative, registers the entity,
which then logs in with its credit code and sees itself masked in `me`."""

from __future__ import annotations

from typing import Any

import pytest

from plugins.sandbox import registry as sandbox
from tests.support import PASSWORD, Api, resident_id
from uidp.models.audit import AuditEvent
from uidp.models.credential import Credential
from uidp.models.entity import Entity
from uidp.services.shared.sandbox import sandbox_messages
from uidp.services.shared.sms import SmsCodes, SmsPurpose

pytestmark = pytest.mark.anyio
REP_PHONE = "15012340058"
CONTACT_PHONE = "13800001111"
ENTITY_PASSWORD = "Chutian#2026"

START = """mutation($i: StartEntityRegistrationInput!) { startEntityRegistration(input: $i) { __typename
  ... on RepresentativeVerified { ticket expiresAt maskedName maskedCertificateNumber }
  ... on Error { code message field } } }"""
REGISTER = """mutation($i: RegisterEntityInput!) { registerEntity(input: $i) { __typename
  ... on EntityRegistered { account { id entityType entityTypeLabel maskedName maskedCreditCode level levelLabel
    maskedContactName maskedContactPhone } }
  ... on Error { code message field } } }"""
LOGIN = """mutation($i: LoginEntityInput!) { loginEntity(input: $i) { __typename
  ... on LoginSuccess { token viewer { __typename ... on EntityAccount { id maskedCreditCode level } } }
  ... on LoginFailed { code message field captchaRequired }
  ... on FieldError { code message field } } }"""
ME = """{ me { __typename ... on EntityAccount { id entityType entityTypeLabel maskedName maskedCreditCode level
  levelLabel maskedContactName maskedContactPhone createdAt } } }"""


async def allow_resend(rt: Any, phone: str) -> None:
    """Skip the resend interval of ENTITY_REGISTER codes (it runs on real time with Redis)."""
    await rt.store.delete(SmsCodes(rt)._key("resend", SmsPurpose.ENTITY_REGISTER, phone))


async def start(api: Api, phone: str = REP_PHONE, password: str = PASSWORD) -> dict[str, Any]:
    code = await api.code_for("ENTITY_REGISTER", phone)
    variables = {"phone": phone, "smsCode": code, "password": password}
    return (await api.data(START, {"i": variables}))["startEntityRegistration"]


def entity_form(ticket: str, sms_code: str, **overrides: Any) -> dict[str, Any]:
    form = {
        "ticket": ticket,
        "entityName": "湖北楚天测试科技有限公司",
        "entityType": "ENTERPRISE",
        "creditCode": sandbox.ACTIVE_ENTERPRISE,
        "contactName": "王五",
        "contactCertificateNumber": resident_id(seq="141"),
        "contactPhone": CONTACT_PHONE,
        "smsCode": sms_code,
        "password": ENTITY_PASSWORD,
        "passwordConfirmation": ENTITY_PASSWORD,
        "acceptTerms": True,
    }
    form.update(overrides)
    return form


async def register_entity(api: Api, form: dict[str, Any]) -> dict[str, Any]:
    return (await api.data(REGISTER, {"i": form}))["registerEntity"]


async def login(api: Api, credit_code: str, password: str = ENTITY_PASSWORD, **extra: Any) -> dict[str, Any]:
    variables = {"creditCode": credit_code, "password": password, **extra}
    return (await api.data(LOGIN, {"i": variables}))["loginEntity"]


@pytest.fixture
async def ready(api: Api) -> tuple[str, str]:
    """The representative has registered and proven; returns the ticket and a code for the contact phone."""
    registered = await api.register(api.id_card_form())
    assert registered["__typename"] == "PersonRegistered", registered
    started = await start(api)
    assert started["__typename"] == "RepresentativeVerified", started
    return started["ticket"], await api.code_for("ENTITY_REGISTER", CONTACT_PHONE)


async def test_entity_types_for_the_form(api):
    types = (await api.data("{ entityTypes { type label } }"))["entityTypes"]
    assert [t["label"] for t in types] == ["企业法人", "个体工商户", "事业单位", "社会组织", "机关", "其他"]
    assert types[0]["type"] == "ENTERPRISE"


async def test_full_journey_register_login_and_me(api, rt, client):
    registered = await api.register(api.id_card_form())
    assert registered["__typename"] == "PersonRegistered"
    started = await start(api)
    assert started["__typename"] == "RepresentativeVerified"
    assert (started["maskedName"], started["maskedCertificateNumber"]) == ("陈*", "***********121X")
    code = await api.code_for("ENTITY_REGISTER", CONTACT_PHONE)
    result = await register_entity(api, entity_form(started["ticket"], code))
    assert result["__typename"] == "EntityRegistered", result
    account = result["account"]
    assert account == {
        "id": account["id"],
        "entityType": "ENTERPRISE",
        "entityTypeLabel": "企业法人",
        "maskedName": "湖北********公司",
        "maskedCreditCode": "91************011W",
        "level": "MEDIUM",
        "levelLabel": "中级",
        "maskedContactName": "王*",
        "maskedContactPhone": "138****1111",
    }
    logged_in = await login(api, sandbox.ACTIVE_ENTERPRISE.lower())
    assert logged_in["__typename"] == "LoginSuccess", logged_in
    assert logged_in["viewer"] == {
        "__typename": "EntityAccount",
        "id": account["id"],
        "maskedCreditCode": "91************011W",
        "level": "MEDIUM",
    }
    assert "uidp_session" in client.cookies
    me = await api.me(logged_in["token"])
    assert me == {"__typename": "EntityAccount"}  # the persons' ME selects no EntityAccount fields
    me = (await api.data(ME, token=logged_in["token"]))["me"]
    assert me["maskedName"] == "湖北********公司" and me["maskedContactPhone"] == "138****1111"
    assert me["levelLabel"] == "中级" and me["entityTypeLabel"] == "企业法人"
    # The person's own login is untouched, and sees the person.
    person = await api.login(REP_PHONE)
    assert person["__typename"] == "LoginSuccess"
    assert (await api.me(person["token"]))["__typename"] == "PersonAccount"
    events = [e.event_type for e in await AuditEvent.filter(subject_kind="entity").order_by("at", "id")]
    assert "entity.registered" in events and "login.succeeded" in events


async def test_sms_code_for_entity_registration_goes_to_a_typed_phone(api):
    sent = await api.send_code("ENTITY_REGISTER", CONTACT_PHONE)
    assert sent["__typename"] == "SmsCodeSent" and sent["maskedPhone"] == "138****1111"
    assert "注册法人账号" in sandbox_messages(api.rt, phone=CONTACT_PHONE, limit=1)[0]["text"]


# --- step 1 failures ------------------------------------------------------------------------------------


async def test_a_representative_without_a_person_account(api):
    started = await start(api, phone="13700000000")
    assert (started["__typename"], started["code"], started["field"]) == ("FieldError", "NOT_FOUND", "phone")
    assert "先注册个人账号" in started["message"]


async def test_a_representative_with_a_wrong_password(api):
    await api.register(api.id_card_form())
    started = await start(api, password="Wrong#2026pw")
    assert (started["code"], started["field"]) == ("WRONG_PASSWORD", "password")
    assert await Entity.all().count() == 0


# --- step 2 failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"creditCode": "91420100MA4KTC011X"}, "INVALID_CREDIT_CODE", "creditCode"),  # wrong check character
        ({"creditCode": sandbox.UNKNOWN_CODE}, "REGISTRY_MISMATCH", "creditCode"),
        ({"creditCode": sandbox.REVOKED, "entityName": "武汉测试建材有限公司"}, "REGISTRY_MISMATCH", "creditCode"),
        ({"entityName": "湖北楚天科技有限公司"}, "REGISTRY_MISMATCH", "entityName"),
        (
            {"creditCode": sandbox.OTHER_REPRESENTATIVE, "entityName": "湖北江汉测试贸易有限公司"},
            "REGISTRY_MISMATCH",
            None,
        ),
        ({"creditCode": sandbox.UNAVAILABLE_CODE}, "VERIFIER_UNAVAILABLE", None),
        ({"password": "weakpass1", "passwordConfirmation": "weakpass1"}, "WEAK_PASSWORD", "password"),
        ({"passwordConfirmation": "Chutian#2027"}, "PASSWORD_MISMATCH", "passwordConfirmation"),
        ({"acceptTerms": False}, "TERMS_NOT_ACCEPTED", "acceptTerms"),
        ({"smsCode": "000000"}, "SMS_CODE_INVALID", "smsCode"),
        ({"ticket": "made-up"}, "STEP_INVALID", "ticket"),
    ],
)
async def test_bad_input_is_a_typed_error_and_stores_nothing(api, ready, overrides, code, field):
    ticket, sms = ready
    result = await register_entity(api, {**entity_form(ticket, sms), **overrides})
    assert (result["__typename"], result["code"], result["field"]) == ("FieldError", code, field), result
    assert result["message"]
    assert await Entity.all().count() == 0
    assert await Credential.filter(subject_kind="entity").count() == 0


async def test_registry_messages_say_what_differs(api, ready):
    ticket, sms = ready
    revoked = await register_entity(
        api, entity_form(ticket, sms, creditCode=sandbox.REVOKED, entityName="武汉测试建材有限公司")
    )
    assert "吊销" in revoked["message"]
    other = await register_entity(
        api, entity_form(ticket, sms, creditCode=sandbox.OTHER_REPRESENTATIVE, entityName="湖北江汉测试贸易有限公司")
    )
    assert "法定代表人" in other["message"]


async def test_a_taken_credit_code(api, rt, ready):
    ticket, sms = ready
    assert (await register_entity(api, entity_form(ticket, sms)))["__typename"] == "EntityRegistered"
    await allow_resend(rt, REP_PHONE)
    again = await start(api)
    code = await api.code_for("ENTITY_REGISTER", "13800002222")
    taken = await register_entity(api, entity_form(again["ticket"], code, contactPhone="13800002222"))
    assert (taken["code"], taken["field"]) == ("CREDIT_CODE_TAKEN", "creditCode")
    assert await Entity.all().count() == 1


# --- E2 login -------------------------------------------------------------------------------------------


async def test_entity_login_failures_look_alike_and_escalate_to_a_captcha(api, ready):
    ticket, sms = ready
    assert (await register_entity(api, entity_form(ticket, sms)))["__typename"] == "EntityRegistered"
    wrong = await login(api, sandbox.ACTIVE_ENTERPRISE, "Wrong#2026pw")
    unknown = await login(api, sandbox.UNKNOWN_CODE)
    malformed = await login(api, "not-a-credit-code")
    for failed in (wrong, unknown, malformed):
        assert failed["__typename"] == "LoginFailed" and failed["code"] == "INVALID_CREDENTIALS"
        assert failed["message"] == wrong["message"]
    assert wrong["captchaRequired"] is False
    person_password = await login(api, sandbox.ACTIVE_ENTERPRISE, PASSWORD)  # the person's, not the entity's
    assert person_password["captchaRequired"] is False
    third = await login(api, sandbox.ACTIVE_ENTERPRISE.lower(), "Wrong#2026pw")
    assert third["captchaRequired"] is True  # three failures on the account
    no_captcha = await login(api, sandbox.ACTIVE_ENTERPRISE)
    assert no_captcha["code"] == "CAPTCHA_REQUIRED"
    captcha_id, answer = await api.captcha()
    ok = await login(api, sandbox.ACTIVE_ENTERPRISE, captchaId=captcha_id, captchaAnswer=answer)
    assert ok["__typename"] == "LoginSuccess"


async def test_entity_login_needs_a_credit_code(api):
    empty = await login(api, " ")
    assert (empty["__typename"], empty["code"], empty["field"]) == ("FieldError", "REQUIRED", "creditCode")


# --- an entity session among the other callers ----------------------------------------------------------


async def test_an_entity_session_is_refused_by_person_and_staff_fields(api, rt, ready):
    """Every root field meant for persons or staff denies an entity session; public ones answer it."""
    from tests.graph.test_access_matrix import (
        ENTITY,
        EVERYONE,
        EXPECTATIONS,
        LOGGED_IN,
        call,
        document,
        root_fields,
        verdict,
    )

    ticket, sms = ready
    assert (await register_entity(api, entity_form(ticket, sms)))["__typename"] == "EntityRegistered"
    mismatches = []
    checked = 0
    for name, (operation, field) in sorted(root_fields().items()):
        expectation = EXPECTATIONS[name]
        if ENTITY in expectation.allow and not expectation.allow >= EVERYONE:
            continue  # fields for entity sessions (E5, E7, E8): the access matrix and their own tests
        if expectation.allow >= EVERYONE or name == "logout":
            want = "allow"
        elif expectation.allow and expectation.allow <= LOGGED_IN:
            want = "deny"
        else:
            continue  # fields of other callers (agents ...): their own tests
        token = (await login(api, sandbox.ACTIVE_ENTERPRISE))["token"]
        body = await call(api, document(name, operation, field, expectation.args), token, expectation.upload)
        checked += 1
        if verdict(body, name) != want:
            mismatches.append(f"{name}: expected {want}: {body}")
    assert checked > 40 and not mismatches, "\n".join(mismatches)
