"""plugins.ehuiban through HTTP (P5): the QR ticket, the app's signed callbacks (RSA and SM2), the person
matched by ID number and then by the binding it wrote, and every refusal leaving the ticket as it was."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.scan_channels import Partner, redeem, registered_person, start, status
from tests.support import Api, browser, resident_id
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.session import Session
from uidp.plugin_api import SignAlgorithm

pytestmark = pytest.mark.anyio


@pytest.fixture
async def person(api: Api) -> dict[str, Any]:
    return await registered_person(api)


@pytest.fixture(params=[SignAlgorithm.RSA, SignAlgorithm.SM2])
def algorithm(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> SignAlgorithm:
    """The partner's algorithm, set before the app reads the ehuiban settings block."""
    monkeypatch.setenv("UIDP_EHUIBAN_SIGN_ALGORITHM", request.param.value)
    return request.param


@pytest.fixture
def extra_plugins(algorithm: SignAlgorithm) -> list[Any]:
    return []


@pytest.fixture
async def app_backend(app: Any, rt: Any, algorithm: SignAlgorithm):
    """鄂汇办's backend (its own connection), signing with the parametrised algorithm."""
    async with browser(app, "198.51.100.20") as http:
        yield Partner(http, rt, "ehuiban", algorithm)


def confirmation(person: dict[str, Any], **changes: str) -> dict[str, str]:
    return {"user_id": "ehb-10001", "name": person["name"], "id_number": person["id_number"], **changes}


async def test_first_scan_matches_by_id_number_and_binds_then_the_binding_opens(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    assert ticket["qrPayload"] == f"https://ehb.hubei.gov.cn/scan-login?ticket={ticket['ticket']}"
    assert await app_backend.confirm(ticket["ticket"], **confirmation(person)) == (
        200,
        {"ok": True, "status": "CONFIRMED"},
    )
    done = await redeem(client, ticket)
    assert done["__typename"] == "LoginSuccess" and done["viewer"]["id"] == person["id"], done
    binding = await ExternalBinding.get(provider="ehuiban")
    assert str(binding.subject_id) == person["id"]
    session = await Session.get(id=(await AuditEvent.get(event_type="login.succeeded")).details["session_id"])
    assert session.login_method == "ehuiban"

    # the next login follows the binding, even with an ID number the app no longer sends right
    again = await start(client, "ehuiban")
    await app_backend.confirm(again["ticket"], **confirmation(person, id_number=resident_id(seq="555")))
    assert (await redeem(client, again))["viewer"]["id"] == person["id"]


async def test_an_app_user_without_an_account_is_asked_to_bind(client, app_backend):
    ticket = await start(client, "ehuiban")
    stranger = {"user_id": "ehb-2", "name": "李四", "id_number": resident_id(seq="555")}
    assert (await app_backend.confirm(ticket["ticket"], **stranger))[0] == 200
    answer = await redeem(client, ticket)
    assert answer["__typename"] == "BindingRequired" and answer["provider"] == "ehuiban"


async def test_a_rejection_ends_the_ticket(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    assert (await app_backend.send(ticket["ticket"], "scanned"))[0] == 200
    assert await app_backend.send(ticket["ticket"], "rejected") == (200, {"ok": True, "status": "REJECTED"})
    assert await status(client, ticket) == "REJECTED"
    late = await app_backend.send(ticket["ticket"], "confirmed", **confirmation(person))
    assert late[1]["code"] == "SCAN_TICKET_STATE"
    assert (await redeem(client, ticket))["__typename"] != "LoginSuccess"


async def test_an_id_number_failing_gb11643_is_refused_and_the_ticket_stays_scanned(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    bad = person["id_number"][:-1] + ("0" if person["id_number"][-1] != "0" else "1")
    code, body = await app_backend.confirm(ticket["ticket"], **confirmation(person, id_number=bad))
    assert (code, body["code"]) == (400, "INVALID_ID_NUMBER")
    assert await status(client, ticket) == "SCANNED"
    refusals = await AuditEvent.filter(event_type="scan.callback_refused").all()
    assert [row.details["code"] for row in refusals] == ["INVALID_ID_NUMBER"]


async def test_a_confirmation_without_the_verified_fields_is_refused(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    fields = confirmation(person)
    del fields["name"]
    code, body = await app_backend.confirm(ticket["ticket"], **fields)
    assert (code, body["code"]) == (400, "REQUIRED")
    assert await status(client, ticket) == "SCANNED"


async def test_a_name_differing_from_the_account_refuses_the_login(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    await app_backend.confirm(ticket["ticket"], **confirmation(person, name="王五"))
    answer = await redeem(client, ticket)
    assert answer["code"] == "IDENTITY_MISMATCH"
    assert not await Session.exists() and not await ExternalBinding.exists()


async def test_bad_callbacks_change_nothing(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    unsigned = app_backend.message(ticket["ticket"], "scanned")
    del unsigned["sign"]
    wrong = app_backend.message(ticket["ticket"], "scanned")
    wrong["ticket"] = ticket["ticket"][:-1] + "x"  # signed for another ticket
    stale = app_backend.message(ticket["ticket"], "scanned", timestamp="1000000000")
    foreign = app_backend.message(ticket["ticket"], "scanned", partner_id="sandbox-esscard")
    replayed = app_backend.message(ticket["ticket"], "scanned")
    assert (await app_backend.post(replayed))[0] == 200
    answers = [await app_backend.post(body) for body in (unsigned, wrong, stale, foreign, replayed)]
    assert [(code, body["code"]) for code, body in answers] == [
        (400, "REQUIRED"),
        (401, "SIGNATURE_INVALID"),
        (401, "CALLBACK_STALE"),
        (401, "UNKNOWN_PARTNER"),
        (409, "CALLBACK_REPLAYED"),
    ]
    assert await status(client, ticket) == "SCANNED"
    assert await app_backend.send(ticket["ticket"], "opened") == (
        400,
        {"ok": False, "code": "INVALID_FORMAT", "message": "回调报文格式不正确"},
    )


async def test_a_ticket_of_another_channel_cannot_be_confirmed_here(client, app_backend, rt, person):
    ticket = await start(client, "esscard")  # shown as the social security card's QR code
    code, body = await app_backend.send(ticket["ticket"], "scanned")
    assert (code, body["code"]) == (409, "SCAN_TICKET_OTHER_CHANNEL")
    assert await status(client, ticket) == "PENDING"


async def test_no_raw_pii_reaches_the_audit_log(client, app_backend, person):
    ticket = await start(client, "ehuiban")
    await app_backend.confirm(ticket["ticket"], **confirmation(person, id_number=person["id_number"][:-1] + "Z"))
    await app_backend.send(ticket["ticket"], "confirmed", **confirmation(person))
    assert (await redeem(client, ticket))["__typename"] == "LoginSuccess"
    for row in await AuditEvent.all():
        text = str(row.details)
        assert person["id_number"] not in text and person["name"] not in text and "ehb-10001" not in text
