"""Signed partner callbacks (uidp.security.partner_callbacks) through a plugin route: RSA and SM2 signatures,
the time window, the nonce claimed before the signature is checked, unknown partners, malformed messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import Response

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.plugin_api import (
    PartnerKey,
    PartnerSettings,
    SignAlgorithm,
    callback_accepted,
    callback_refusal,
    canonical,
    hookimpl,
    sandbox_partner,
    signed_callback,
    sm2,
)
from uidp.security.partner_callbacks import sign_sm2

pytestmark = pytest.mark.anyio

PATH = "/plugins/probe/callback"


class ProbePlugin:
    """A callback route that verifies with the core and echoes the verified fields."""

    def __init__(self) -> None:
        self.partner: PartnerSettings | None = None

    @hookimpl
    def register_routes(self, register: Any, settings: Any) -> None:
        async def callback(request: Request) -> Response:
            assert self.partner is not None
            try:
                verified = await signed_callback(request, self.partner, required=("ticket",))
            except DomainError as error:
                return callback_refusal(error)
            return callback_accepted(partner=verified.partner_id, **verified.fields)

        register(PATH, callback, methods=["POST"])


PROBE = ProbePlugin()


@pytest.fixture
def extra_plugins() -> list[Any]:
    return [PROBE]


@pytest.fixture(params=[SignAlgorithm.RSA, SignAlgorithm.SM2])
def signer(request: pytest.FixtureRequest, settings: Any, app: Any):
    """The probe channel trusts a sandbox partner of the parametrised algorithm."""
    partner = sandbox_partner(settings.data_dir, "probe", request.param)
    PROBE.partner = PartnerSettings(
        channel="probe",
        partners={partner.partner_id: partner.public_key()},
        callback_path=PATH,
        qr_url="https://probe.example/scan",
    )
    return partner


def message(signer: Any, clock: Any, **changes: str) -> dict[str, str]:
    fields = {
        "partner_id": signer.partner_id,
        "timestamp": str(int(clock.now().timestamp())),
        "nonce": "n0nce-" + "a" * 20,
        "ticket": "T" * 32,
        "name": "张三",
    }
    fields.update(changes)
    fields["sign"] = signer.sign(fields)
    return fields


async def post(client: Any, body: Any) -> tuple[int, dict[str, Any]]:
    response = await client.post(PATH, json=body)
    return response.status_code, response.json()


async def refusals(reason: str) -> int:
    rows = await AuditEvent.filter(event_type="scan.callback_refused").all()
    return sum(1 for row in rows if row.details.get("reason") == reason)


async def test_a_signed_callback_is_accepted_once(client, clock, signer):
    body = message(signer, clock)
    status, answer = await post(client, body)
    assert status == 200 and answer == {"ok": True, "partner": signer.partner_id, "ticket": "T" * 32, "name": "张三"}
    status, answer = await post(client, body)
    assert (status, answer["code"]) == (409, ErrorCode.CALLBACK_REPLAYED)
    assert await refusals("replayed") == 1


async def test_missing_or_wrong_signatures_are_refused(client, clock, signer):
    body = message(signer, clock)
    del body["sign"]
    assert (await post(client, body))[1]["code"] == ErrorCode.REQUIRED
    tampered = message(signer, clock, nonce="n0nce-" + "b" * 20)
    tampered["name"] = "李四"  # signed as 张三
    status, answer = await post(client, tampered)
    assert (status, answer["code"]) == (401, ErrorCode.SIGNATURE_INVALID)
    garbage = message(signer, clock, nonce="n0nce-" + "c" * 20)
    garbage["sign"] = "not base64!"
    assert (await post(client, garbage))[1]["code"] == ErrorCode.INVALID_FORMAT
    assert await refusals("signature") == 1


async def test_a_signature_by_another_key_is_refused(client, clock, signer, tmp_path):
    other = sandbox_partner(tmp_path / "elsewhere", "probe", signer.algorithm)
    body = message(other, clock)  # same partner id, another key
    assert (await post(client, body))[1]["code"] == ErrorCode.SIGNATURE_INVALID


async def test_stale_and_future_times_are_refused(client, clock, signer):
    for offset in (-301, 301):
        at = str(int(clock.now().timestamp()) + offset)
        status, answer = await post(
            client, message(signer, clock, timestamp=at, nonce=f"n0nce-{offset + 1000}" + "x" * 16)
        )
        assert (status, answer["code"]) == (401, ErrorCode.CALLBACK_STALE)
    at = str(int(clock.now().timestamp()) - 299)
    assert (await post(client, message(signer, clock, timestamp=at)))[0] == 200
    assert await refusals("stale") == 2


async def test_an_unknown_partner_is_refused_before_the_nonce_is_spent(client, clock, signer):
    body = message(signer, clock, partner_id="someone-else")
    status, answer = await post(client, body)
    assert (status, answer["code"]) == (401, ErrorCode.UNKNOWN_PARTNER)
    assert (await post(client, message(signer, clock)))[0] == 200  # the same nonce from the real partner


async def test_a_forged_message_cannot_spend_a_genuine_nonce(client, clock, signer):
    """The signature is checked before the nonce is claimed: a forgery carrying the genuine message's nonce
    (seen in transit) is refused and leaves the nonce to the genuine message."""
    forged = message(signer, clock)
    forged["sign"] = message(signer, clock, name="李四")["sign"]
    assert (await post(client, forged))[1]["code"] == ErrorCode.SIGNATURE_INVALID
    assert (await post(client, message(signer, clock)))[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"partner_id": 1},
        {"Bad-Name": "x"},
        {f"f{i}": "x" for i in range(30)},
        {"partner_id": "p", "timestamp": "1", "nonce": "short", "sign": "AA==", "ticket": "t"},
        {"partner_id": "p", "timestamp": "soon", "nonce": "n" * 20, "sign": "AA==", "ticket": "t"},
        {"partner_id": "p", "timestamp": "1", "nonce": "n" * 20, "sign": "AA==", "ticket": "a&b=c"},
        {"partner_id": "p", "timestamp": "1", "nonce": "n" * 20, "sign": "AA==", "ticket": "x" * 600},
    ],
)
async def test_malformed_messages_are_refused_before_any_lookup(client, signer, body):
    status, answer = await post(client, body)
    assert (status, answer["code"]) == (400, ErrorCode.INVALID_FORMAT)


async def test_a_missing_required_field_is_refused(client, clock, signer):
    body = message(signer, clock)
    del body["ticket"]
    body["sign"] = signer.sign(body)
    assert (await post(client, body))[1]["code"] == ErrorCode.REQUIRED


async def test_an_oversized_or_non_json_body_is_refused(client, signer):
    assert (await client.post(PATH, content=b"{" * 20000)).json()["code"] == ErrorCode.INVALID_FORMAT
    assert (await client.post(PATH, content=b"\xff\xfe")).json()["code"] == ErrorCode.INVALID_FORMAT


async def test_concurrent_copies_of_one_callback_are_accepted_once(client, clock, signer):
    body = message(signer, clock)
    answers = await asyncio.gather(*(post(client, body) for _ in range(8)))
    assert sorted(status for status, _ in answers) == [200] + [409] * 7


def test_the_canonical_form_sorts_and_skips_the_signature():
    assert canonical({"b": "2", "a": "1", "sign": "zz"}) == b"a=1&b=2"


def test_configured_keys_are_checked():
    rsa_small = _rsa_pem(1024)
    with pytest.raises(ValueError, match="2048"):
        PartnerKey.load("p", "RSA", rsa_small)
    with pytest.raises(ValueError, match="PEM"):
        PartnerKey.load("p", "RSA", "not a key")
    with pytest.raises(ValueError, match="RSA or SM2"):
        PartnerKey.load("p", "DSA", _rsa_pem(2048))
    with pytest.raises(ValueError, match="SM2 curve"):
        PartnerKey.load("p", "SM2", "04" + "11" * 64)
    with pytest.raises(ValueError, match="partner id"):
        PartnerKey.load("p q", "RSA", _rsa_pem(2048))
    assert PartnerKey.load("p", "rsa", _rsa_pem(2048)).algorithm is SignAlgorithm.RSA


def test_sm2_keys_use_the_configured_signer_id():
    private = sm2.new_private_key()
    point = sm2.public_point(private)
    key = PartnerKey.load("p", "SM2", "04" + point.hex(), user_id="ALICE123@YAHOO.COM")
    fields = {"a": "1"}
    signature = __import__("base64").b64decode(sign_sm2(private, fields, b"ALICE123@YAHOO.COM"))
    assert key.verifies(canonical(fields), signature)
    assert not PartnerKey.load("p", "SM2", point.hex()).verifies(canonical(fields), signature)  # default id


def _rsa_pem(bits: int) -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
