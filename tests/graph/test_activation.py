"""P2 through HTTP and the import CLI: pre-provisioned persons are shown masked and activate."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, resident_id
from uidp.models.person import Person, PersonStatus
from uidp.services.persons.activation import ActivationService

pytestmark = pytest.mark.anyio

ACTIVATE = """mutation($i: ActivatePersonInput!){ activatePerson(input:$i){ __typename
  ... on PersonActivated { account { status maskedPhone level } }
  ... on Error { code field message } } }"""
CSV = "name,certificate_type,certificate_number,phone\n陈心,,{id},15012340058\n"


async def provision(rt, number=None):
    report = await ActivationService(rt).import_csv(CSV.format(id=number or resident_id(seq="121")))
    assert report.created == 1, report.errors


def activation_form(**overrides):
    form = {
        "certificateType": "RESIDENT_ID",
        "certificateNumber": resident_id(),
        "validFrom": "2020-01-01",
        "validityPeriod": "YEARS_20",
        "smsCode": "000000",
        "password": PASSWORD,
        "passwordConfirmation": PASSWORD,
        "acceptTerms": True,
    }
    form.update(overrides)
    return form


async def test_register_answers_activate_instead_with_masked_data(api, rt):
    await provision(rt)
    result = await api.register(api.id_card_form())
    assert result["__typename"] == "ActivationRequired", result
    assert (result["maskedName"], result["maskedCertificateNumber"], result["maskedPhone"]) == (
        "陈*",
        "***********" + resident_id()[-4:],
        "150****0058",
    )


async def test_activate_with_phone_on_record(api, rt):
    await provision(rt)
    sent = await api.send_activation_code("RESIDENT_ID", resident_id())
    assert sent["maskedPhone"] == "150****0058"
    code = api.last_code("15012340058")
    result = (await api.data(ACTIVATE, {"i": activation_form(smsCode=code)}))["activatePerson"]
    assert result["__typename"] == "PersonActivated", result
    assert result["account"]["status"] == "ACTIVE"
    assert (await api.login("15012340058"))["__typename"] == "LoginSuccess"
    again = (await api.data(ACTIVATE, {"i": activation_form(smsCode=code)}))["activatePerson"]
    assert again["code"] == "SMS_CODE_INVALID"  # an active account answers like no account at all


async def record_code(api):
    sent = await api.send_activation_code("RESIDENT_ID", resident_id())
    assert sent["maskedPhone"] == "150****0058"
    return api.last_code("15012340058")


async def test_activate_with_new_phone_needs_both_codes(api, rt):
    await provision(rt)
    on_record = await record_code(api)
    new_code = await api.code_for("ACTIVATE_NEW_PHONE", "15012349999")
    without = activation_form(smsCode=on_record, newPhone="15012349999")
    missing = (await api.data(ACTIVATE, {"i": without}))["activatePerson"]
    assert (missing["code"], missing["field"]) == ("REQUIRED", "newPhoneCode")
    wrong = activation_form(smsCode=on_record, newPhone="15012349999", newPhoneCode="000000")
    refused = (await api.data(ACTIVATE, {"i": wrong}))["activatePerson"]
    assert (refused["code"], refused["field"]) == ("SMS_CODE_INVALID", "newPhoneCode")
    form = activation_form(smsCode=on_record, newPhone="15012349999", newPhoneCode=new_code)
    result = (await api.data(ACTIVATE, {"i": form}))["activatePerson"]
    assert result["account"]["maskedPhone"] == "150****9999", result
    assert (await api.login("15012349999"))["__typename"] == "LoginSuccess"
    assert (await api.login("15012340058"))["code"] == "INVALID_CREDENTIALS"


async def test_a_stranger_with_the_id_number_cannot_activate(api, rt):
    """Who knows only the ID number proves a phone of their own: the account stays waiting for its owner."""
    await provision(rt)
    await api.assert_purpose_refused("ACTIVATE", "15012349999")  # an ACTIVATE code goes only to the phone on record
    own_code = await api.code_for("ACTIVATE_NEW_PHONE", "15012349999")
    for sms_code in (own_code, "000000"):
        form = activation_form(smsCode=sms_code, newPhone="15012349999", newPhoneCode=own_code)
        result = (await api.data(ACTIVATE, {"i": form}))["activatePerson"]
        assert (result["code"], result["field"]) == ("SMS_CODE_INVALID", "smsCode")
    person = await Person.get()
    assert person.status == PersonStatus.PROVISIONED
    assert (await api.login("15012349999"))["code"] == "INVALID_CREDENTIALS"


async def test_activation_bad_input(api, rt):
    await provision(rt)
    expired = await api.data(ACTIVATE, {"i": activation_form(validFrom="2001-01-01", validityPeriod="YEARS_5")})
    assert expired["activatePerson"]["code"] == "CERTIFICATE_EXPIRED"
    wrong_code = await api.data(ACTIVATE, {"i": activation_form()})
    assert (wrong_code["activatePerson"]["code"], wrong_code["activatePerson"]["field"]) == (
        "SMS_CODE_INVALID",
        "smsCode",
    )
    person = await Person.get()
    assert person.status == PersonStatus.PROVISIONED


async def test_known_and_unknown_numbers_answer_alike(api, rt):
    """1.5: before the code on record is proven nothing tells a waiting account from no account."""
    await provision(rt)
    unknown = resident_id(seq="131")
    answers = {}
    for number in (resident_id(), unknown):
        sent = await api.send_activation_code("RESIDENT_ID", number)
        again = await api.send_activation_code("RESIDENT_ID", number)
        activated = (await api.data(ACTIVATE, {"i": activation_form(certificateNumber=number)}))["activatePerson"]
        answers[number] = (sent, again, activated)
    (known_sent, known_again, known_result), (other_sent, other_again, other_result) = answers.values()
    assert known_sent.keys() == other_sent.keys() and other_sent["__typename"] == "SmsCodeSent"
    assert other_sent["maskedPhone"] and other_sent["maskedPhone"][3:7] == "****"
    assert (known_again["code"], other_again["code"]) == ("SMS_TOO_FREQUENT", "SMS_TOO_FREQUENT")
    assert known_result == other_result


async def test_import_reports_bad_rows_by_line(rt):
    text = (
        "name,certificate_type,certificate_number,phone\n"
        f"陈心,,{resident_id()},15012340058\n"
        f"王五,,{resident_id()[:-1]}0,15012340059\n"
        f"赵六,,{resident_id(seq='131')},123\n"
        f"钱七,PASSPORT_X,E123,15012340060\n"
        f"孙八,,{resident_id()},15012340061\n"
    )
    report = await ActivationService(rt).import_csv(text)
    assert report.created == 1
    assert [(line, field) for line, field, _ in report.errors] == [
        (3, "certificate_number"),
        (4, "phone"),
        (5, "certificate_type"),
        (6, "certificate_number"),
    ]
    assert await Person.all().count() == 1
