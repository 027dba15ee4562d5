"""P1a-P1e through HTTP: every bad input answers a typed error with its field and stores nothing."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import REGISTER, resident_id
from uidp.models.person import Person

pytestmark = pytest.mark.anyio

BAD_ID_CARD_FORMS = [
    ({"certificateNumber": "42010219900101121"}, "INVALID_ID_NUMBER", "certificateNumber"),
    (
        {"certificateNumber": resident_id()[:-1] + ("0" if resident_id()[-1] != "0" else "1")},
        "INVALID_ID_NUMBER",
        "certificateNumber",
    ),
    ({"certificateNumber": resident_id(birth="19990230")}, "INVALID_BIRTH_DATE", "certificateNumber"),
    ({"certificateNumber": resident_id(birth="20300101")}, "INVALID_BIRTH_DATE", "certificateNumber"),
    ({"validFrom": "2005-01-01", "validityPeriod": "YEARS_10"}, "CERTIFICATE_EXPIRED", "validFrom"),
    ({"validFrom": "2027-01-01"}, "INVALID_VALIDITY", "validFrom"),
    ({"validFrom": None}, "REQUIRED", "validFrom"),
    ({"name": "陈"}, "INVALID_NAME", "name"),
    ({"phone": "12345"}, "INVALID_PHONE", "phone"),
    ({"password": "short1!A", "passwordConfirmation": "short1!A"}, None, None),  # valid: control case
    ({"password": "alllowercase1!", "passwordConfirmation": "alllowercase1!"}, "WEAK_PASSWORD", "password"),
    ({"password": "Ab1!15012340058", "passwordConfirmation": "Ab1!15012340058"}, "WEAK_PASSWORD", "password"),
    ({"passwordConfirmation": "Other#2026ok"}, "PASSWORD_MISMATCH", "passwordConfirmation"),
    ({"acceptTerms": False}, "TERMS_NOT_ACCEPTED", "acceptTerms"),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD_ID_CARD_FORMS)
async def test_bad_id_card_registration(api, overrides, code, field):
    result = await api.register(api.id_card_form(**overrides))
    if code is None:
        assert result["__typename"] == "PersonRegistered", result
        return
    assert result["__typename"] == "FieldError", result
    assert (result["code"], result["field"]) == (code, field)
    assert result["message"]
    assert await Person.all().count() == 0


async def test_sms_code_rules(api):
    form = api.id_card_form()
    # no code at all, a wrong code, a code for another purpose, a code for another phone
    wrong = await api.register({**form, "smsCode": "000000"}, with_code=False)
    assert (wrong["code"], wrong["field"]) == ("SMS_CODE_INVALID", "smsCode")
    other_phone_code = await api.code_for("REGISTER", "15012340059")
    other_phone = await api.register({**form, "smsCode": other_phone_code}, with_code=False)
    assert other_phone["code"] == "SMS_CODE_INVALID"
    await api.send_code("ACTIVATE_NEW_PHONE", "15012340058")
    activate_code = api.last_code("15012340058")
    other_purpose = await api.register({**form, "smsCode": activate_code}, with_code=False)
    assert other_purpose["code"] == "SMS_CODE_INVALID"
    assert await Person.all().count() == 0


async def test_sms_code_is_single_use(api):
    code = await api.code_for("REGISTER", "15012340058")
    first = await api.register({**api.id_card_form(), "smsCode": code}, with_code=False)
    assert first["__typename"] == "PersonRegistered"
    again = await api.register(
        {**api.id_card_form(certificateNumber=resident_id(seq="131")), "smsCode": code}, with_code=False
    )
    # the phone is taken now, and the code is gone anyway
    assert again["code"] in ("PHONE_TAKEN", "SMS_CODE_INVALID")
    assert await Person.all().count() == 1


async def test_sms_code_expires(api, rt, clock, make_settings):
    rt.settings.sms_code_ttl_seconds = 1
    code = await api.code_for("REGISTER", "15012340058")
    clock.advance(1.2)
    await asyncio.sleep(1.2)  # a Redis store keeps real time
    late = await api.register({**api.id_card_form(), "smsCode": code}, with_code=False)
    assert late["code"] == "SMS_CODE_INVALID"


async def test_sms_code_dies_after_five_wrong_tries(api):
    code = await api.code_for("REGISTER", "15012340058")
    for _ in range(5):
        wrong = await api.register(
            {**api.id_card_form(), "smsCode": "999999" if code != "999999" else "888888"}, with_code=False
        )
        assert wrong["code"] == "SMS_CODE_INVALID"
    right_but_dead = await api.register({**api.id_card_form(), "smsCode": code}, with_code=False)
    assert right_but_dead["code"] == "SMS_CODE_INVALID"


async def test_taken_certificate_and_phone_offer_appeals(api, rt, clock):
    rt.settings.sms_resend_seconds = 1  # the phone gets a second REGISTER code below
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    same_id = await api.register(api.id_card_form(phone="15012340059"))
    assert same_id["__typename"] == "AccountConflict", same_id
    assert (same_id["code"], same_id["appeal"]) == ("CERTIFICATE_TAKEN", "CERTIFICATE_REGISTERED_WITH_OTHER_PHONE")
    clock.advance(1.2)
    await asyncio.sleep(1.2)  # a Redis store keeps real time
    same_phone = await api.register(api.id_card_form(certificateNumber=resident_id(seq="131")))
    assert same_phone["__typename"] == "AccountConflict", same_phone
    assert (same_phone["code"], same_phone["appeal"], same_phone["field"]) == (
        "PHONE_TAKEN",
        "PHONE_TAKEN_BY_OTHER",
        "phone",
    )
    assert await Person.all().count() == 1


async def test_conflicts_are_told_only_after_the_code_and_spend_it(api):
    """1.5: a wrong code answers alike for a taken and a free number; the conflict answer costs the code."""
    assert (await api.register(api.id_card_form()))["__typename"] == "PersonRegistered"
    taken = api.id_card_form(phone="15012340059", smsCode="000000")
    free = api.id_card_form(phone="15012340059", certificateNumber=resident_id(seq="131"), smsCode="000000")
    taken_answer = await api.register(taken, with_code=False)
    free_answer = await api.register(free, with_code=False)
    assert taken_answer == free_answer and taken_answer["code"] == "SMS_CODE_INVALID"
    code = await api.code_for("REGISTER", "15012340059")
    conflict = await api.register({**taken, "smsCode": code}, with_code=False)
    assert conflict["code"] == "CERTIFICATE_TAKEN"
    replay = await api.register({**taken, "smsCode": code}, with_code=False)
    assert replay["code"] == "SMS_CODE_INVALID"  # one SMS per answer: the number cannot be probed for free


async def test_out_of_province_window(api, clock):
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 30, 12, 30, tzinfo=UTC))  # 20:30 in Shanghai
    beijing_id = resident_id(region="110101")
    closed = await api.register(api.id_card_form(certificateNumber=beijing_id))
    assert closed["__typename"] == "RegistrationWindowClosed", closed
    assert closed["code"] == "OUTSIDE_REGISTRATION_WINDOW"
    assert closed["opensAt"].startswith("2026-12-01T00:00:00")  # 08:00 Shanghai
    in_province = await api.register(api.id_card_form(phone="15012340057"))
    assert in_province["__typename"] == "PersonRegistered"
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    opened = await api.register(api.id_card_form(certificateNumber=beijing_id, phone="15012340059"))
    assert opened["__typename"] == "PersonRegistered", opened


async def test_permit_registration(api):
    form = {
        "name": "李雅文",
        "certificateType": "HK_MACAO_PERMIT",
        "certificateNumber": "H12345678",
        "gender": "FEMALE",
        "birthDate": "1995-06-01",
        "phone": "15012340058",
        "password": "Hubei#2026ok",
        "passwordConfirmation": "Hubei#2026ok",
        "acceptTerms": True,
    }
    bad = await api.register({**form, "certificateNumber": "X1234"})
    assert (bad["code"], bad["field"]) == ("INVALID_PERMIT_NUMBER", "certificateNumber")
    no_gender = await api.register({**form, "gender": None})
    assert (no_gender["code"], no_gender["field"]) == ("REQUIRED", "gender")
    ok = await api.register(form)
    assert ok["__typename"] == "PersonRegistered", ok
    assert ok["account"]["status"] == "ACTIVE"
    login = await api.login("h12345678")
    assert login["__typename"] == "LoginSuccess"


async def test_concurrent_registrations_of_one_id_make_one_account(api):
    phones = [f"1501234{n:04d}" for n in range(8)]
    forms = [api.id_card_form(phone=p, smsCode=await api.code_for("REGISTER", p)) for p in phones]
    results = await asyncio.gather(*(api.data(REGISTER, {"i": f}) for f in forms))
    kinds = [r["registerPerson"]["__typename"] for r in results]
    assert kinds.count("PersonRegistered") == 1, kinds
    assert set(kinds) <= {"PersonRegistered", "AccountConflict"}, results
    assert await Person.all().count() == 1


CHECK = """mutation($i: CheckCertificateInput!){ checkCertificate(input:$i){
  __typename ... on Error { code field } } }"""


async def test_certificate_check(api, rt, clock):
    from datetime import UTC, datetime

    from uidp.services.persons.activation import ActivationService

    def check(number, kind="RESIDENT_ID"):
        return api.data(CHECK, {"i": {"certificateType": kind, "certificateNumber": number}})

    free = await check(resident_id(seq="141"))
    assert free["checkCertificate"]["__typename"] == "CertificateAvailable"
    bad = (await check("123"))["checkCertificate"]
    assert (bad["code"], bad["field"]) == ("INVALID_ID_NUMBER", "certificateNumber")
    # 1.5: a taken and a pre-provisioned number answer exactly like a free one before any SMS code
    await api.register(api.id_card_form())
    csv = f"name,certificate_type,certificate_number,phone\n陈二,,{resident_id(seq='131')},15012340060\n"
    assert (await ActivationService(rt).import_csv(csv)).created == 1
    assert await check(resident_id()) == free
    assert await check(resident_id(seq="131")) == free
    clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))  # 19:00 in Shanghai
    closed = (await check(resident_id(region="110101")))["checkCertificate"]
    assert closed["__typename"] == "RegistrationWindowClosed"


async def test_certificate_check_is_rate_limited(api):
    for _ in range(30):
        await api.data(CHECK, {"i": {"certificateType": "RESIDENT_ID", "certificateNumber": resident_id()}})
    limited = await api.data(CHECK, {"i": {"certificateType": "RESIDENT_ID", "certificateNumber": resident_id()}})
    assert limited["checkCertificate"]["__typename"] == "RateLimited"
