"""E7 (contact change, both ways) and E8 (legal information) through HTTP, with the sandbox business registry."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from plugins.sandbox import registry as sandbox
from tests.services.entities.test_entity_changes import ENTITY_PASSWORD, NEW_CONTACT_ID, make_entity, make_person
from tests.support import PASSWORD, resident_id
from uidp.models.audit import AuditEvent
from uidp.models.entity import Entity
from uidp.services.entities.entity_records import open_entity
from uidp.services.shared.pii import Pii

pytestmark = pytest.mark.anyio
NEW_PHONE = "13800002222"

LOGIN = """mutation($i: LoginEntityInput!) { loginEntity(input: $i) { __typename
  ... on LoginSuccess { token } ... on Error { code message } } }"""
START = """mutation($i: StartEntityContactChangeInput!) { startEntityContactChange(input: $i) { __typename
  ... on EntityContactChangeStarted { ticket expiresAt maskedEntityName maskedContactName maskedContactPhone }
  ... on Error { code message field } } }"""
ELEMENTS = """mutation($i: VerifyEntityElementsInput!) { verifyEntityElements(input: $i) { __typename
  ... on EntityContactChangeStarted { ticket maskedEntityName maskedContactPhone }
  ... on RateLimited { retryAfterSeconds }
  ... on Error { code message field } } }"""
CHANGE = """mutation($i: ChangeEntityContactInput!) { changeEntityContact(input: $i) { __typename
  ... on EntityContactChanged { maskedContactName maskedContactPhone }
  ... on Error { code message field } } }"""
LEGAL = """mutation($i: ChangeEntityLegalInformationInput!) { changeEntityLegalInformation(input: $i) { __typename
  ... on EntityLegalInformationChanged { account { maskedName entityType maskedCreditCode } }
  ... on Error { code message field } } }"""
ME = """{ me { __typename ... on EntityAccount { maskedName maskedContactName maskedContactPhone } } }"""


async def login(api, password: str = ENTITY_PASSWORD) -> str:
    result = (await api.data(LOGIN, {"i": {"creditCode": sandbox.ACTIVE_ENTERPRISE, "password": password}}))[
        "loginEntity"
    ]
    assert result["__typename"] == "LoginSuccess", result
    return result["token"]


def contact(ticket: str, code: str, **overrides) -> dict:
    form = {
        "ticket": ticket,
        "contactName": "赵六",
        "contactCertificateNumber": NEW_CONTACT_ID,
        "contactPhone": NEW_PHONE,
        "smsCode": code,
    }
    form.update(overrides)
    return {"i": form}


async def test_change_contact_with_the_login_password(api, rt):
    await make_entity(rt)
    token = await login(api)
    wrong = (await api.data(START, {"i": {"password": "Wrong#2026pw"}}, token=token))["startEntityContactChange"]
    assert (wrong["__typename"], wrong["code"], wrong["field"]) == ("FieldError", "WRONG_PASSWORD", "password")
    started = (await api.data(START, {"i": {"password": ENTITY_PASSWORD}}, token=token))["startEntityContactChange"]
    assert started["__typename"] == "EntityContactChangeStarted", started
    assert started["maskedContactPhone"] == "138****1111" and started["maskedEntityName"] == "湖北********公司"
    code = await api.code_for("ENTITY_CONTACT_PHONE", NEW_PHONE)
    changed = (await api.data(CHANGE, contact(started["ticket"], code)))["changeEntityContact"]
    assert changed == {
        "__typename": "EntityContactChanged",
        "maskedContactName": "赵*",
        "maskedContactPhone": "138****2222",
    }
    assert (await api.data(ME, token=token))["me"]["maskedContactPhone"] == "138****2222"
    # the ticket is spent, and so is the code
    again = (await api.data(CHANGE, contact(started["ticket"], code)))["changeEntityContact"]
    assert again["code"] == "STEP_INVALID"
    fresh = (await api.data(START, {"i": {"password": ENTITY_PASSWORD}}, token=token))["startEntityContactChange"]
    reused = (await api.data(CHANGE, contact(fresh["ticket"], code)))["changeEntityContact"]
    assert (reused["code"], reused["field"]) == ("SMS_CODE_INVALID", "smsCode")
    [event] = await AuditEvent.filter(event_type="entity.contact_changed")
    assert event.details["new_contact_phone"] == "138****2222"


async def test_two_concurrent_changes_with_one_ticket_change_the_contact_once(api, rt):
    """The step ticket is spent with the store's atomic take: of two simultaneous changes, exactly one wins."""
    entity = await make_entity(rt)
    token = await login(api)
    started = (await api.data(START, {"i": {"password": ENTITY_PASSWORD}}, token=token))["startEntityContactChange"]
    phones = ("13800003333", "13800004444")
    codes = [await api.code_for("ENTITY_CONTACT_PHONE", phone) for phone in phones]
    forms = [contact(started["ticket"], code, contactPhone=phone) for phone, code in zip(phones, codes, strict=True)]
    results = await asyncio.gather(*(api.data(CHANGE, form) for form in forms))
    answers = [result["changeEntityContact"] for result in results]
    assert sorted(a["__typename"] for a in answers) == ["EntityContactChanged", "FieldError"], answers
    [winner] = [a for a in answers if a["__typename"] == "EntityContactChanged"]
    [loser] = [a for a in answers if a["__typename"] == "FieldError"]
    assert (loser["code"], loser["field"]) == ("STEP_INVALID", "ticket")
    won = phones[answers.index(winner)]
    assert open_entity(Pii(rt), await Entity.get(id=entity.id)).contact_phone == won
    assert await AuditEvent.filter(event_type="entity.contact_changed").count() == 1


async def test_password_way_is_for_entity_sessions_only(api, rt):
    anonymous = (await api.data(START, {"i": {"password": PASSWORD}}))["startEntityContactChange"]
    assert anonymous["__typename"] == "NotAuthenticated"
    await api.register(api.id_card_form())
    person_token = (await api.login("15012340058"))["token"]
    person = (await api.data(START, {"i": {"password": PASSWORD}}, token=person_token))["startEntityContactChange"]
    assert person["__typename"] == "Forbidden"


async def test_change_contact_with_four_elements(api, rt):
    entity = await make_entity(rt)
    elements = {
        "creditCode": sandbox.ACTIVE_ENTERPRISE,
        "entityName": "湖北楚天测试科技有限公司",
        "representativeName": sandbox.REPRESENTATIVE_NAME,
        "representativeCertificateNumber": sandbox.REPRESENTATIVE_ID,
    }
    mismatch = (await api.data(ELEMENTS, {"i": {**elements, "representativeName": "陈新"}}))["verifyEntityElements"]
    assert (mismatch["__typename"], mismatch["code"]) == ("FieldError", "ENTITY_ELEMENTS_MISMATCH")
    started = (await api.data(ELEMENTS, {"i": elements}))["verifyEntityElements"]
    assert started["__typename"] == "EntityContactChangeStarted", started
    wrong_purpose = await api.send_code("ENTITY_REGISTER", NEW_PHONE)
    assert wrong_purpose["__typename"] == "SmsCodeSent"
    other_code = api.last_code(NEW_PHONE)
    refused = (await api.data(CHANGE, contact(started["ticket"], other_code)))["changeEntityContact"]
    assert refused["code"] == "SMS_CODE_INVALID"  # a code of another purpose does not count
    bad_id = (await api.data(CHANGE, contact(started["ticket"], "123456", contactCertificateNumber="4201")))[
        "changeEntityContact"
    ]
    assert (bad_id["code"], bad_id["field"]) == ("INVALID_ID_NUMBER", "contactCertificateNumber")
    assert open_entity(Pii(rt), await Entity.get(id=entity.id)).contact_phone == "13800001111"


async def test_four_elements_are_rate_limited(api, rt):
    await make_entity(rt)
    elements = {
        "creditCode": sandbox.ACTIVE_ENTERPRISE,
        "entityName": "湖北楚天测试科技有限公司",
        "representativeName": sandbox.REPRESENTATIVE_NAME,
        "representativeCertificateNumber": "E00000000",
    }
    answers = [(await api.data(ELEMENTS, {"i": elements}))["verifyEntityElements"] for _ in range(11)]
    assert {a["code"] for a in answers[:10]} == {"ENTITY_ELEMENTS_MISMATCH"}
    assert answers[10]["__typename"] == "RateLimited" and answers[10]["retryAfterSeconds"] > 0


def legal(**overrides) -> dict:
    form = {
        "entityType": "ENTERPRISE",
        "entityName": "湖北楚天新名测试科技有限公司",
        "representativeName": sandbox.OTHER_REPRESENTATIVE_NAME,
        "representativeCertificateNumber": sandbox.OTHER_REPRESENTATIVE_ID,
    }
    form.update(overrides)
    return {"i": form}


async def test_legal_information_change_checked_with_the_registry(api, rt):
    entity = await make_entity(rt)
    token = await login(api)
    registry = rt.plugins.verifiers.get("business_registry")
    # the registry still has the old information: the change is refused
    mismatch = (await api.data(LEGAL, legal(), token=token))["changeEntityLegalInformation"]
    assert (mismatch["__typename"], mismatch["code"], mismatch["field"]) == (
        "FieldError",
        "REGISTRY_MISMATCH",
        "entityName",
    )
    registry.records[sandbox.ACTIVE_ENTERPRISE] = replace(
        registry.records[sandbox.ACTIVE_ENTERPRISE],
        name="湖北楚天新名测试科技有限公司",
        representative_name=sandbox.OTHER_REPRESENTATIVE_NAME,
        representative_certificate_number=sandbox.OTHER_REPRESENTATIVE_ID,
    )
    # the new representative has no real-name person account yet
    missing = (await api.data(LEGAL, legal(), token=token))["changeEntityLegalInformation"]
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "representativeCertificateNumber")
    new_rep = await make_person(rt, sandbox.OTHER_REPRESENTATIVE_NAME, sandbox.OTHER_REPRESENTATIVE_ID, "15012341111")
    changed = (await api.data(LEGAL, legal(), token=token))["changeEntityLegalInformation"]
    assert changed["__typename"] == "EntityLegalInformationChanged", changed
    assert changed["account"]["maskedName"] == "湖北**********公司"
    after = await Entity.get(id=entity.id)
    assert after.representative_id == new_rep.id
    assert (await api.data(ME, token=token))["me"]["maskedName"] == "湖北**********公司"


async def test_legal_information_bad_input(api, rt):
    await make_entity(rt)
    token = await login(api)
    bad_number = (await api.data(LEGAL, legal(representativeCertificateNumber="4201"), token=token))[
        "changeEntityLegalInformation"
    ]
    assert (bad_number["code"], bad_number["field"]) == ("INVALID_ID_NUMBER", "representativeCertificateNumber")
    registry = rt.plugins.verifiers.get("business_registry")
    registry.records[sandbox.ACTIVE_ENTERPRISE] = replace(
        registry.records[sandbox.ACTIVE_ENTERPRISE], status="CANCELLED"
    )
    same = legal(
        entityName="湖北楚天测试科技有限公司",
        representativeName=sandbox.REPRESENTATIVE_NAME,
        representativeCertificateNumber=sandbox.REPRESENTATIVE_ID,
    )
    cancelled = (await api.data(LEGAL, same, token=token))["changeEntityLegalInformation"]
    assert cancelled["code"] == "REGISTRY_MISMATCH"
    api.client.cookies.clear()  # loginEntity also set the session cookie
    anonymous = (await api.data(LEGAL, same))["changeEntityLegalInformation"]
    assert anonymous["__typename"] == "NotAuthenticated"
    await api.register(api.id_card_form(certificateNumber=resident_id(seq="181"), phone="15012349990"))
    person_token = (await api.login("15012349990"))["token"]
    person = (await api.data(LEGAL, same, token=person_token))["changeEntityLegalInformation"]
    assert person["__typename"] == "Forbidden"
